using Federated.Coordinator.Hosting;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Bounds every string of a request message, nested messages included: id fields (<c>run_id</c>, <c>node_id</c>,
/// <c>upload_id</c>) to <see cref="CoordinatorOptions.MaxIdChars"/>, name fields (<c>task</c>, <c>name</c>) to
/// <see cref="CoordinatorOptions.MaxNameChars"/>. Other strings (the operator's <c>config_json</c>) are bounded by the
/// message size only. A refusal names the field and gives the value's length, never the value.
/// </summary>
internal sealed class RequestStringLimits
{
    private readonly int _maxId;
    private readonly int _maxName;

    public RequestStringLimits(int maxIdChars, int maxNameChars)
    {
        _maxId = maxIdChars;
        _maxName = maxNameChars;
    }

    /// <summary>Throws InvalidArgument (<see cref="RejectionStatus.FieldTooLong"/>) if a bounded string of <paramref name="message"/> is too long.</summary>
    public void Check(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.String)
            {
                var limit = LimitOf(field.Name);
                if (limit == int.MaxValue)
                {
                    continue;
                }

                if (field.IsRepeated)
                {
                    foreach (string value in (System.Collections.IList)field.Accessor.GetValue(message))
                    {
                        CheckLength(field, value, limit);
                    }
                }
                else
                {
                    CheckLength(field, (string)field.Accessor.GetValue(message), limit);
                }
            }
            else if (field.FieldType == FieldType.Message && !field.IsMap)
            {
                if (field.IsRepeated)
                {
                    foreach (IMessage nested in (System.Collections.IList)field.Accessor.GetValue(message))
                    {
                        Check(nested);
                    }
                }
                else if (field.Accessor.GetValue(message) is IMessage nested)
                {
                    Check(nested);
                }
            }
        }
    }

    private int LimitOf(string field) => field switch
    {
        "run_id" or "node_id" or "upload_id" => _maxId,
        "task" or "name" => _maxName,
        _ => int.MaxValue,
    };

    private static void CheckLength(FieldDescriptor field, string value, int limit)
    {
        if (value.Length > limit)
        {
            throw RejectionStatus.Create(
                StatusCode.InvalidArgument,
                RejectionStatus.FieldTooLong,
                $"{field.ContainingType.Name}.{field.Name} is {value.Length} characters long; the limit is {limit}");
        }
    }
}

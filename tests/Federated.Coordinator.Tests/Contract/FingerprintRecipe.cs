using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Federated.Coordinator.Tests.Contract;

/// <summary>
/// The layout and fingerprint recipe of <c>TensorDescriptor</c>'s comment in federation.proto, implemented from that
/// text alone over the spec's JSON, as a node in another language would: no type of Federated.Model is used.
/// </summary>
internal static class FingerprintRecipe
{
    /// <summary>One tensor of the full layout, as the recipe lists it.</summary>
    public sealed record Entry(string Name, int Rows, int Columns, int Offset, string Scope, string Kind);

    /// <summary>The fingerprint of the spec's full layout: SHA-256 of the recipe text, first 8 bytes, lowercase hex.</summary>
    public static string Fingerprint(string specJson)
    {
        var text = new StringBuilder();
        foreach (var t in Layout(specJson))
        {
            text.Append(CultureInfo.InvariantCulture, $"{t.Name}:{t.Rows}x{t.Columns}@{t.Offset}:{t.Scope}:{t.Kind};");
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return string.Concat(digest.Take(8).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>The full layout: every tensor in order, with offsets from 0.</summary>
    public static List<Entry> Layout(string specJson)
    {
        using var document = JsonDocument.Parse(specJson);
        var spec = document.RootElement;
        var fields = spec.GetProperty("fields").EnumerateArray().ToList();
        var tasks = spec.GetProperty("tasks").EnumerateArray().ToList();
        var trunk = spec.GetProperty("trunk");
        var hidden = trunk.GetProperty("hidden").EnumerateArray().Select(e => e.GetInt32()).ToList();
        var x = spec.GetProperty("numeric").GetArrayLength() + fields.Sum(f => f.GetProperty("dim").GetInt32());
        var o = hidden[^1];
        var names = tasks.Select(t => t.GetProperty("name").GetString()!).ToList();
        var layout = new List<Entry>();
        var offset = 0;

        void Add(string name, int rows, int columns, string scope, string kind)
        {
            layout.Add(new Entry(name, rows, columns, offset, scope, kind));
            offset += rows * columns;
        }

        void Dense(string prefix, int input, int output, string scope)
        {
            Add(prefix + "/w", input, output, scope, "Weight");
            Add(prefix + "/b", 1, output, scope, "Bias");
        }

        void Mlp(string prefix, int input, IReadOnlyList<int> widths, string scope)
        {
            for (var i = 0; i < widths.Count; i++)
            {
                Dense($"{prefix}/dense{i}", input, widths[i], scope);
                input = widths[i];
            }
        }

        switch (trunk.GetProperty("kind").GetString())
        {
            case "shared-bottom":
                Mlp("bottom", x, hidden, "Shared");
                break;
            case "mmoe":
                var experts = trunk.GetProperty("experts").GetInt32();
                for (var k = 0; k < experts; k++)
                {
                    Mlp($"expert/{k}", x, hidden, "Shared");
                }

                foreach (var t in names)
                {
                    Dense($"gate/{t}", x, experts, "Shared");
                }

                break;
            case "ple":
                var levels = trunk.GetProperty("levels").GetInt32();
                var s = trunk.GetProperty("sharedExperts").GetInt32();
                var te = trunk.GetProperty("taskExperts").GetInt32();
                for (var l = 0; l < levels; l++)
                {
                    var input = l == 0 ? x : o;
                    for (var k = 0; k < s; k++)
                    {
                        Mlp($"level{l}/expert/shared/{k}", input, hidden, "Shared");
                    }

                    foreach (var t in names)
                    {
                        for (var k = 0; k < te; k++)
                        {
                            Mlp($"level{l}/expert/{t}/{k}", input, hidden, "Shared");
                        }
                    }

                    foreach (var t in names)
                    {
                        Dense($"level{l}/gate/{t}", input, s + te, "Shared");
                    }

                    if (l < levels - 1)
                    {
                        Dense($"level{l}/gate/shared", input, s + (te * names.Count), "Shared");
                    }
                }

                break;
            default:
                throw new ArgumentException("unknown trunk kind", nameof(specJson));
        }

        foreach (var task in tasks)
        {
            var name = task.GetProperty("name").GetString()!;
            var scope = Scope(task);
            var tower = task.GetProperty("tower").EnumerateArray().Select(e => e.GetInt32()).ToList();
            Mlp($"tower/{name}", o, tower, scope);
            Dense($"tower/{name}/out", tower[^1], 1, scope);
        }

        if (spec.TryGetProperty("uncertaintyWeighting", out var uncertainty) && uncertainty.GetBoolean())
        {
            foreach (var t in names)
            {
                Add($"uncertainty/{t}", 1, 1, "Local", "Bias");
            }
        }

        foreach (var field in fields)
        {
            var rows = field.TryGetProperty("buckets", out var buckets) ? buckets.GetInt32() : field.GetProperty("vocabulary").GetInt32();
            Add($"emb/{field.GetProperty("name").GetString()}", rows, field.GetProperty("dim").GetInt32(), Scope(field), "Embedding");
        }

        return layout;
    }

    private static string Scope(JsonElement declaration) => declaration.GetProperty("scope").GetString() switch
    {
        "shared" => "Shared",
        "local" => "Local",
        var other => throw new ArgumentException($"unknown scope '{other}'", nameof(declaration)),
    };
}

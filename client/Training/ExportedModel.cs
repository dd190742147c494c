using System.Globalization;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>
/// Reads a model exported by the coordinator (<c>admin export</c>): a safetensors file whose <c>__metadata__</c> holds
/// the model spec (<c>model_spec</c>), the run id and the version, and whose tensors are the shared ones. Local tensors
/// are not in it; they come from the node's own state.
/// </summary>
public static class ExportedModel
{
    /// <summary>Reads <paramref name="path"/> as a global model: the spec from its metadata, the shared tensors filled, the local ones zero.</summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="option">The command-line option that named the file, for the messages (<c>--model</c>, <c>--init</c>).</param>
    /// <exception cref="LocalStateException">The file is missing, not safetensors, has no model spec, or its tensors do not fit that spec; the message names the problem.</exception>
    public static GlobalModel Load(string path, string option = "--model")
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LocalStateException($"{option}: {path} does not exist", e);
        }

        try
        {
            var (metadata, tensors) = SafetensorsFile.Read(bytes);
            if (!metadata.TryGetValue("model_spec", out var specJson) || specJson.Length == 0)
            {
                throw new InvalidDataException("its metadata has no model_spec: export the model with 'admin export'");
            }

            var model = CompiledModel.Compile(ModelSpec.FromJson(specJson));
            var parameters = new ParameterSet(model.Layout);
            SafetensorsFile.FillShared(parameters, tensors);
            var version = metadata.TryGetValue("model_version", out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
            return new GlobalModel(metadata.GetValueOrDefault("run_id", Path.GetFileName(path)), version, model, parameters);
        }
        catch (Exception e) when (e is InvalidDataException or ModelSpecException)
        {
            throw new LocalStateException($"{option} {path}: {e.Message}", e);
        }
    }
}

using Federated.Model.Parameters;
using Federated.Model.Updates;
using Federated.SecureAggregation;
using Federated.SecureAggregation.Protocol;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// Fake nodes of one secure round, built on the library's <see cref="SecAggClient"/> and driven phase by phase against a
/// real engine; each node's clipped update (row-sparse item rows, random example counts) is kept to compute the plain
/// weighted mean the round must commit.
/// </summary>
internal sealed class SecureRoundHarness : IDisposable
{
    public const double ClipNorm = 1;

    private readonly EngineFixture _fixture;
    private readonly Dictionary<string, SecAggClient> _clients = new(StringComparer.Ordinal);

    public SecureRoundHarness(EngineFixture fixture, string runId, IReadOnlyList<string> nodes, int seed)
    {
        _fixture = fixture;
        RunId = runId;
        Nodes = nodes;
        Model = CompiledModel.Compile(fixture.Engine.GetSpec(runId));
        var random = new Random(seed);
        foreach (var node in nodes)
        {
            var assignment = fixture.Engine.PollAssignment(node, runId).Assignment ?? throw new InvalidOperationException($"{node} has no assignment");
            var secure = assignment.SecureAggregation ?? throw new InvalidOperationException("the assignment carries no secure-aggregation setup");
            Round = assignment.Round;
            BaseVersion = assignment.ModelVersion;
            Assignments[node] = secure;
            var seedBytes = new byte[32];
            random.NextBytes(seedBytes);
            _clients[node] = new SecAggClient(secure.Setup, secure.Party, RandomSource.FromSeed(seedBytes));
            Examples[node] = random.Next(10, 401);
            TaskExamples[node] = random.Next(0, (int)Examples[node] + 1);
            Deltas[node] = RandomClippedDelta(random);
        }
    }

    public string RunId { get; }

    public IReadOnlyList<string> Nodes { get; }

    public CompiledModel Model { get; }

    public long Round { get; private set; }

    public long BaseVersion { get; private set; }

    public Dictionary<string, SecAggAssignment> Assignments { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> Examples { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> TaskExamples { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ModelDelta> Deltas { get; } = new(StringComparer.Ordinal);

    /// <summary>The quantised inputs x_u and the masked inputs y_u the nodes sent.</summary>
    public Dictionary<string, (uint[] Input, uint[] Masked)> Inputs { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Plays the round: node i vanishes at phase <c>vanishAt[i]</c> (0: never advertises, 1: after advertising, 2: after
    /// sharing keys, 3: after its masked input; absent: never); a phase some node vanished at closes at its deadline.
    /// </summary>
    public void Play(IReadOnlyDictionary<string, int>? vanishAt = null)
    {
        vanishAt ??= new Dictionary<string, int>();
        int At(string node) => vanishAt.TryGetValue(node, out var p) ? p : 4;
        var engine = _fixture.Engine;
        foreach (var node in Nodes.Where(n => At(n) > 0))
        {
            engine.SubmitKeyAdvertisement(node, node, RunId, Round, _clients[node].AdvertiseKeys());
        }

        for (var phase = 1; phase <= 4; phase++)
        {
            if (Nodes.Any(n => At(n) == phase - 1))
            {
                _fixture.Time.Advance(TimeSpan.FromSeconds(3601));
                engine.Tick();
            }

            if (phase == 4)
            {
                break;
            }

            foreach (var node in Nodes.Where(n => At(n) > phase))
            {
                var next = engine.PollSecureAggregation(node, RunId, Round);
                switch (next.Kind)
                {
                    case SecAggPhaseKind.KeyDirectory:
                        engine.SubmitSharedKeys(node, node, RunId, Round, _clients[node].ShareKeys(next.Directory!));
                        break;
                    case SecAggPhaseKind.ShareInbox:
                        var input = Quantize(node);
                        var masked = _clients[node].MaskInput(next.Inbox!, input);
                        Inputs[node] = (input, masked.Values);
                        engine.SubmitMaskedInput(node, node, RunId, Round, masked);
                        break;
                    case SecAggPhaseKind.UnmaskRequest:
                        engine.SubmitUnmaskResponse(node, node, RunId, Round, _clients[node].Unmask(next.Request!));
                        break;
                    default:
                        return;
                }
            }
        }
    }

    /// <summary>Phase 0 only: every node advertises its keys.</summary>
    public void AdvertiseKeys()
    {
        foreach (var node in Nodes)
        {
            _fixture.Engine.SubmitKeyAdvertisement(node, node, RunId, Round, _clients[node].AdvertiseKeys());
        }
    }

    /// <summary>x_u of a node: its weighted vector quantised as the round says.</summary>
    public uint[] Quantize(string node)
    {
        var codec = new WeightedUpdateVector(Model);
        var vector = new float[codec.Length];
        var secure = Assignments[node];
        codec.Encode(Deltas[node], Examples[node], new Dictionary<string, long> { ["click"] = TaskExamples[node] }, secure.MaxWeight, vector);
        var input = new uint[vector.Length];
        secure.CreateQuantizer().Quantize(vector, input);
        return input;
    }

    /// <summary>
    /// The base model plus plain FedAvg's weighted mean of <paramref name="contributors"/>' clipped updates: per tensor
    /// Σ w Δ / Σ w (w: examples, or labelled click examples for the click head), per item row over the nodes that sent it.
    /// </summary>
    public ParameterSet ExpectedModel(IReadOnlyCollection<string> contributors, out double[] weightSums)
    {
        var global = _fixture.Engine.GetModel(RunId, BaseVersion);
        var expected = global.Clone();
        var layout = global.Layout;
        weightSums = new double[layout.TotalLength];
        var sums = new double[layout.TotalLength];
        foreach (var node in contributors)
        {
            foreach (var tensorDelta in Deltas[node].Tensors)
            {
                var tensor = layout[tensorDelta.Name];
                double w = Model.TaskOf(tensor) is null ? Examples[node] : TaskExamples[node];
                var rows = tensorDelta.Rows ?? [.. Enumerable.Range(0, tensor.Rows)];
                for (var s = 0; s < rows.Length; s++)
                {
                    for (var j = 0; j < tensor.Columns; j++)
                    {
                        var at = tensor.Offset + (rows[s] * tensor.Columns) + j;
                        sums[at] += w * tensorDelta.Values[(s * tensor.Columns) + j];
                        weightSums[at] += w;
                    }
                }
            }
        }

        for (var i = 0; i < sums.Length; i++)
        {
            if (weightSums[i] > 0)
            {
                expected.Values[i] = (float)(expected.Values[i] + (sums[i] / weightSums[i]));
            }
        }

        return expected;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>A random Δ of every shared tensor, the item table row-sparse (a random half of its rows), clipped to <see cref="ClipNorm"/>.</summary>
    private ModelDelta RandomClippedDelta(Random random)
    {
        var tensors = new List<TensorDelta>();
        foreach (var tensor in Model.SharedLayout.Tensors)
        {
            if (tensor.Kind == TensorKind.Embedding)
            {
                var rows = Enumerable.Range(0, tensor.Rows).Where(_ => random.NextDouble() < 0.5).ToArray();
                tensors.Add(new TensorDelta(tensor.Name, [.. Enumerable.Range(0, rows.Length * tensor.Columns).Select(_ => (float)((random.NextDouble() * 2) - 1))], rows));
            }
            else
            {
                tensors.Add(new TensorDelta(tensor.Name, [.. Enumerable.Range(0, tensor.Length).Select(_ => (float)((random.NextDouble() * 2) - 1))]));
            }
        }

        var delta = new ModelDelta(tensors);
        delta.ClipTo(ClipNorm);
        return delta;
    }
}

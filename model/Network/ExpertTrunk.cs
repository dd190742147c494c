using System.Numerics.Tensors;
using Federated.Model.Kernels;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Model.Network;

/// <summary>
/// Gated mixtures of expert MLPs: MMoE (one level, K shared experts, one softmax gate per task) and PLE
/// (per level: shared experts, task-specific experts, a gate per task over the shared and its own experts, and on
/// every level but the last a shared gate over all experts that feeds the next level's shared experts).
/// </summary>
/// <remarks>
/// Gate g mixes its experts E_j with weights G = softmax(in_g·W_g + b_g): out_g = Σ_j G_j·E_j. Streams name where an
/// expert or gate reads its input: the shared stream (−1) or a task's stream; at level 0 every stream is x.
/// </remarks>
internal sealed partial class ExpertTrunk : ITrunk
{
    private const int SharedStream = -1;
    private readonly Level[] _levels;

    public ExpertTrunk(ModelSpec spec, ParameterLayout layout, int maxRows)
    {
        var trunk = spec.Trunk;
        OutputWidth = trunk.OutputWidth;
        var depth = trunk.Hidden.Count;
        if (trunk.Kind == TrunkKind.Mmoe)
        {
            var experts = new Expert[trunk.Experts];
            var all = new int[trunk.Experts];
            for (var k = 0; k < experts.Length; k++)
            {
                experts[k] = new Expert(Mlp.Create(layout, TensorNames.MmoeExpert(k), depth, maxRows, spec.Dropout), SharedStream, maxRows);
                all[k] = k;
            }

            var gates = new Gate[spec.Tasks.Count];
            for (var t = 0; t < gates.Length; t++)
            {
                gates[t] = new Gate(new DenseLayer(layout, TensorNames.MmoeGate(spec.Tasks[t].Name)), t, all, OutputWidth, maxRows);
            }

            _levels = [new Level(experts, gates, null)];
            return;
        }

        _levels = new Level[trunk.Levels];
        var shared = trunk.SharedExperts;
        var perTask = trunk.TaskExperts;
        for (var level = 0; level < trunk.Levels; level++)
        {
            var experts = new List<Expert>();
            for (var k = 0; k < shared; k++)
            {
                experts.Add(new Expert(Mlp.Create(layout, TensorNames.PleSharedExpert(level, k), depth, maxRows, spec.Dropout), SharedStream, maxRows));
            }

            for (var t = 0; t < spec.Tasks.Count; t++)
            {
                for (var k = 0; k < perTask; k++)
                {
                    experts.Add(new Expert(Mlp.Create(layout, TensorNames.PleTaskExpert(level, spec.Tasks[t].Name, k), depth, maxRows, spec.Dropout), t, maxRows));
                }
            }

            var gates = new Gate[spec.Tasks.Count];
            for (var t = 0; t < gates.Length; t++)
            {
                var members = new int[shared + perTask];
                for (var k = 0; k < shared; k++)
                {
                    members[k] = k;
                }

                for (var k = 0; k < perTask; k++)
                {
                    members[shared + k] = shared + (t * perTask) + k;
                }

                gates[t] = new Gate(new DenseLayer(layout, TensorNames.PleTaskGate(level, spec.Tasks[t].Name)), t, members, OutputWidth, maxRows);
            }

            Gate? sharedGate = null;
            if (level < trunk.Levels - 1)
            {
                var all = new int[experts.Count];
                for (var k = 0; k < all.Length; k++)
                {
                    all[k] = k;
                }

                sharedGate = new Gate(new DenseLayer(layout, TensorNames.PleSharedGate(level)), SharedStream, all, OutputWidth, maxRows);
            }

            _levels[level] = new Level([.. experts], gates, sharedGate);
        }
    }

    public int OutputWidth { get; }

    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int n, DropoutMasks? dropout)
    {
        for (var l = 0; l < _levels.Length; l++)
        {
            var level = _levels[l];
            foreach (var expert in level.Experts)
            {
                expert.Net.Forward(parameters, Input(l, expert.Stream, x, n), n, dropout);
            }

            foreach (var gate in level.AllGates)
            {
                var width = gate.Experts.Length;
                var probabilities = gate.Probabilities.AsSpan(0, n * width);
                gate.Dense.Forward(parameters, Input(l, gate.Stream, x, n), probabilities, n);
                Activations.SoftmaxRows(probabilities, n, width);
                Mix(level, gate, probabilities, gate.Output.AsSpan(0, n * OutputWidth), n);
            }
        }
    }

    public ReadOnlySpan<float> TaskOutput(int task, int n) => _levels[^1].TaskGates[task].Output.AsSpan(0, n * OutputWidth);

    public Span<float> TaskOutputGradient(int task, int n) => _levels[^1].TaskGates[task].OutputGradient.AsSpan(0, n * OutputWidth);

    public void Backward(ReadOnlySpan<float> parameters, Span<float> gradients, ReadOnlySpan<float> x, Span<float> dx, int n)
    {
        var h = OutputWidth;
        for (var l = _levels.Length - 1; l >= 0; l--)
        {
            var level = _levels[l];
            if (l > 0)
            {
                foreach (var gate in _levels[l - 1].AllGates)
                {
                    gate.OutputGradient.AsSpan(0, n * h).Clear();
                }
            }

            foreach (var expert in level.Experts)
            {
                expert.Gradient.AsSpan(0, n * h).Clear();
            }

            foreach (var gate in level.AllGates)
            {
                var width = gate.Experts.Length;
                var probabilities = gate.Probabilities.AsSpan(0, n * width);
                var dProbabilities = gate.ProbabilityGradient.AsSpan(0, n * width);
                var dOutput = gate.OutputGradient.AsSpan(0, n * h);
                for (var i = 0; i < n; i++)
                {
                    var dOut = dOutput.Slice(i * h, h);
                    for (var j = 0; j < width; j++)
                    {
                        var expert = level.Experts[gate.Experts[j]];
                        var e = expert.Net.Output(n).Slice(i * h, h);
                        dProbabilities[(i * width) + j] = TensorPrimitives.Dot(dOut, e);
                        var de = expert.Gradient.AsSpan(i * h, h);
                        TensorPrimitives.MultiplyAdd(dOut, probabilities[(i * width) + j], de, de);
                    }
                }

                Activations.SoftmaxRowsBackward(probabilities, dProbabilities, n, width);
                gate.Dense.Backward(parameters, gradients, Input(l, gate.Stream, x, n), dProbabilities, InputGradient(l, gate.Stream, dx, n), accumulateDx: true, n);
            }

            foreach (var expert in level.Experts)
            {
                expert.Net.Backward(parameters, gradients, Input(l, expert.Stream, x, n), expert.Gradient.AsSpan(0, n * h), InputGradient(l, expert.Stream, dx, n), accumulateDx: true, n);
            }
        }
    }

    private void Mix(Level level, Gate gate, ReadOnlySpan<float> probabilities, Span<float> output, int n)
    {
        var h = OutputWidth;
        var width = gate.Experts.Length;
        for (var i = 0; i < n; i++)
        {
            var target = output.Slice(i * h, h);
            for (var j = 0; j < width; j++)
            {
                var e = level.Experts[gate.Experts[j]].Net.Output(n).Slice(i * h, h);
                var weight = probabilities[(i * width) + j];
                if (j == 0)
                {
                    TensorPrimitives.Multiply(e, weight, target);
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(e, weight, target, target);
                }
            }
        }
    }

    private ReadOnlySpan<float> Input(int level, int stream, ReadOnlySpan<float> x, int n)
    {
        if (level == 0)
        {
            return x;
        }

        var previous = _levels[level - 1];
        var gate = stream == SharedStream ? previous.SharedGate! : previous.TaskGates[stream];
        return gate.Output.AsSpan(0, n * OutputWidth);
    }

    private Span<float> InputGradient(int level, int stream, Span<float> dx, int n)
    {
        if (level == 0)
        {
            return dx;
        }

        var previous = _levels[level - 1];
        var gate = stream == SharedStream ? previous.SharedGate! : previous.TaskGates[stream];
        return gate.OutputGradient.AsSpan(0, n * OutputWidth);
    }

    private sealed class Expert(Mlp net, int stream, int maxRows)
    {
        public Mlp Net { get; } = net;

        public int Stream { get; } = stream;

        public float[] Gradient { get; } = new float[maxRows * net.OutputWidth];
    }

    private sealed class Gate(DenseLayer dense, int stream, int[] experts, int width, int maxRows)
    {
        public DenseLayer Dense { get; } = dense;

        public int Stream { get; } = stream;

        public int[] Experts { get; } = experts;

        public float[] Probabilities { get; } = new float[maxRows * experts.Length];

        public float[] ProbabilityGradient { get; } = new float[maxRows * experts.Length];

        public float[] Output { get; } = new float[maxRows * width];

        public float[] OutputGradient { get; } = new float[maxRows * width];
    }

    private sealed class Level(Expert[] experts, Gate[] taskGates, Gate? sharedGate)
    {
        public Expert[] Experts { get; } = experts;

        public Gate[] TaskGates { get; } = taskGates;

        public Gate? SharedGate { get; } = sharedGate;

        public Gate[] AllGates { get; } = sharedGate is null ? taskGates : [.. taskGates, sharedGate];
    }
}

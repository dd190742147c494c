using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

/// <summary>
/// Element-by-element double-precision transcription of the three update rules, written from the formulas
/// (not from the production kernels) so tests can compare against it.
/// </summary>
internal sealed class ReferenceOptimizer(OptimizerOptions options, int parameterCount)
{
    private readonly double[] _first = new double[parameterCount];
    private readonly double[] _second = new double[parameterCount];
    private long _step;

    public void BeginStep() => _step++;

    /// <summary>Updates flat element <paramref name="index"/>; weight decay applies only when <paramref name="dense"/>.</summary>
    public void Update(double[] parameters, int index, double gradient, bool dense)
    {
        double lr = options.LearningRate;
        var g = dense ? gradient + (options.WeightDecay * parameters[index]) : gradient;
        switch (options.Kind)
        {
            case OptimizerKind.Sgd:
                parameters[index] -= lr * g;
                break;
            case OptimizerKind.Momentum:
                _first[index] = (options.Momentum * _first[index]) + g;
                parameters[index] -= lr * _first[index];
                break;
            case OptimizerKind.Adam:
                double beta1 = options.Beta1;
                double beta2 = options.Beta2;
                _first[index] = (beta1 * _first[index]) + ((1 - beta1) * g);
                _second[index] = (beta2 * _second[index]) + ((1 - beta2) * g * g);
                var firstHat = _first[index] / (1 - Math.Pow(beta1, _step));
                var secondHat = _second[index] / (1 - Math.Pow(beta2, _step));
                parameters[index] -= lr * firstHat / (Math.Sqrt(secondHat) + options.Epsilon);
                break;
            default:
                throw new InvalidOperationException($"Unknown kind {options.Kind}.");
        }
    }
}

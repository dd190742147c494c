using System.Numerics.Tensors;
using Federated.Client.Training.Updates;
using Federated.Model.Updates;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace Federated.Simulation.Attacks;

/// <summary>
/// The step a malicious client adds to its update pipeline, after clipping: <c>sign-flip</c> negates Δ,
/// <c>scale:K</c> multiplies it by K, <c>gaussian:SIGMA</c> replaces every value by an independent N(0, σ²) draw
/// (the same tensors and, for row-sparse embedding tables, the same row set: the noise goes only where the client
/// trained, so the upload looks like an honest one's).
/// </summary>
/// <remarks>
/// The Gaussian draws come from MathNet's <see cref="Xoshiro256StarStar"/> seeded by <see cref="NoiseSeed"/> of the
/// experiment's seed, the client and the round: the same run gives the same noise in any process, and no two clients
/// or rounds share it. Not privacy noise: nothing here needs cryptographic randomness.
/// </remarks>
/// <param name="attack">The attack; not <see cref="AttackKind.LabelFlip"/>.</param>
/// <param name="seed">The experiment's seed.</param>
/// <param name="client">The index of the malicious client.</param>
public sealed class PoisonedUpdate(AttackSpec attack, int seed, int client) : INodeUpdateTransform
{
    /// <summary>Where the step goes: after clipping, before any local noise.</summary>
    public const int Stage = NodeUpdateStage.Clip + 50;

    private readonly AttackSpec _attack = attack?.PoisonsUpdates == true ? attack : throw new ArgumentException("the attack must change updates", nameof(attack));

    /// <inheritdoc/>
    public string Name => "attack:" + _attack;

    /// <inheritdoc/>
    public ModelDelta Apply(ModelDelta delta, NodeUpdateContext context)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(context);
        switch (_attack.Kind)
        {
            case AttackKind.SignFlip:
                foreach (var tensor in delta.Tensors)
                {
                    TensorPrimitives.Negate(tensor.Values, tensor.Values);
                }

                break;
            case AttackKind.Scale:
                var k = (float)_attack.Parameter;
                foreach (var tensor in delta.Tensors)
                {
                    TensorPrimitives.Multiply(tensor.Values, k, tensor.Values);
                }

                break;
            default:
                var random = new Xoshiro256StarStar(NoiseSeed(seed, client, context.Round), threadSafe: false);
                var normal = new Normal(0, _attack.Parameter, random);
                foreach (var tensor in delta.Tensors)
                {
                    var values = tensor.Values;
                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] = (float)normal.Sample();
                    }
                }

                break;
        }

        return delta;
    }

    /// <summary>
    /// The seed of client <paramref name="client"/>'s Gaussian noise in round <paramref name="round"/>: a SplitMix64
    /// mix of the experiment's seed, the client and the round (stable across processes, unlike <see cref="HashCode"/>).
    /// </summary>
    public static int NoiseSeed(int seed, int client, long round)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed << 32) ^ ((ulong)(uint)client * 0x9E3779B97F4A7C15UL) ^ ((ulong)round * 0xBF58476D1CE4E5B9UL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (int)(z ^ (z >> 31));
        }
    }
}

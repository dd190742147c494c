using Federated.Coordinator.Hosting;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Uploads;

/// <summary>
/// Dense tensor arrays of uploads, of exact tensor lengths, reused from one upload to the next. A fresh model-sized
/// array is a large-object allocation whose pages the kernel must fault in again on first write, which cost the
/// coordinator more CPU per upload than decoding the values; a reused one is already mapped.
/// </summary>
/// <remarks>
/// At most <see cref="CoordinatorOptions.MaxUploadsInFlight"/> arrays of each length are kept, the most that uploads
/// holding a slot can use at once, so the pool adds nothing to the memory bound of that option; it keeps them while the
/// coordinator is idle. An array is returned only once the engine no longer needs it: the engine and its strategies do
/// not keep an update's arrays (<see cref="Aggregation.IRoundAggregator.Add"/>, <see cref="Rounds.Pipeline.IUpdateTransform"/>).
/// </remarks>
public sealed class TensorArrayPool
{
    private readonly Dictionary<int, Stack<float[]>> _free = [];
    private readonly int _perLength;

    /// <summary>Creates the pool, keeping at most <see cref="CoordinatorOptions.MaxUploadsInFlight"/> arrays per length.</summary>
    public TensorArrayPool(IOptions<CoordinatorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _perLength = options.Value.MaxUploadsInFlight;
    }

    /// <summary>Arrays kept now, over all lengths.</summary>
    public int Count
    {
        get
        {
            lock (_free)
            {
                return _free.Values.Sum(s => s.Count);
            }
        }
    }

    /// <summary>An array of exactly <paramref name="length"/> floats with arbitrary contents: the caller overwrites all of them.</summary>
    public float[] Rent(int length)
    {
        lock (_free)
        {
            if (_free.TryGetValue(length, out var stack) && stack.TryPop(out var array))
            {
                return array;
            }
        }

        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Gives <paramref name="array"/> back; nobody may use it afterwards.</summary>
    public void Return(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_free)
        {
            if (!_free.TryGetValue(array.Length, out var stack))
            {
                stack = new Stack<float[]>();
                _free[array.Length] = stack;
            }

            if (stack.Count < _perLength)
            {
                stack.Push(array);
            }
        }
    }
}

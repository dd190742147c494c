using MathNet.Numerics.Random;

namespace Federated.Simulation.Attacks;

/// <summary>Chooses the malicious clients of an experiment from its seed.</summary>
public static class MaliciousClients
{
    // Mixed into the seed so that the choice is not correlated with the other draws of the same seed (split, shuffles).
    private const int Salt = 0x5A17AC;

    /// <summary>
    /// <paramref name="count"/> distinct client indices out of <paramref name="clients"/>, ascending: the first
    /// <paramref name="count"/> of a Fisher–Yates shuffle seeded by <paramref name="seed"/> (the same set for the same
    /// seed and number of clients, in any process).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="count"/> &lt; 0 or ≥ <paramref name="clients"/> (at least one client must stay honest).</exception>
    public static int[] Choose(int clients, int count, int seed)
    {
        if (count < 0 || count >= clients)
        {
            throw new ArgumentException($"--malicious {count}: must be in [0, {clients}) for {clients} clients");
        }

        var order = Enumerable.Range(0, clients).ToArray();
        var random = new Xoshiro256StarStar(seed ^ Salt, threadSafe: false);
        for (var i = 0; i < count; i++)
        {
            var j = i + random.Next(clients - i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return [.. order.Take(count).Order()];
    }
}

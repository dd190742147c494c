namespace Federated.Coordinator.Privacy;

/// <summary>The Rényi orders α at which privacy is tracked.</summary>
public static class RdpOrders
{
    /// <summary>
    /// The default grid: 1.1, 1.2, …, 10.9, then 12, 13, …, 63 (the grid of Opacus's RDP accountant, so that its published
    /// figures reproduce), then 128, 256 and 512 for very small ε (large noise), where the best order is past 63.
    /// </summary>
    public static IReadOnlyList<double> Default { get; } =
        [.. Enumerable.Range(1, 99).Select(x => 1 + (x / 10.0)), .. Enumerable.Range(12, 52).Select(x => (double)x), 128, 256, 512];

    /// <summary>Checks a grid given by a user: non-empty, every order finite and &gt; 1, no order twice.</summary>
    /// <exception cref="ArgumentException">The first problem, naming the order.</exception>
    public static IReadOnlyList<double> Validate(IReadOnlyList<double> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        if (orders.Count == 0)
        {
            throw new ArgumentException("the order grid is empty", nameof(orders));
        }

        var seen = new HashSet<double>();
        foreach (var order in orders)
        {
            if (!double.IsFinite(order) || order <= 1)
            {
                throw new ArgumentException($"RDP order {order} is not a finite number > 1", nameof(orders));
            }

            if (!seen.Add(order))
            {
                throw new ArgumentException($"RDP order {order} is given twice", nameof(orders));
            }
        }

        return orders;
    }
}

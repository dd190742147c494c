namespace Federated.Simulation.Synthetic;

/// <summary>
/// One interaction of the synthetic federation: who (institution, user), what (item, its genres, its standardised
/// price) and the three labels. <see cref="Rating"/> is NaN unless the user clicked (ratings follow clicks).
/// </summary>
public sealed record SyntheticExample(int Institution, int User, int Item, int[] Genres, float Price, float Click, float Conversion, float Rating);

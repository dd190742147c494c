namespace Federated.Client.Data;

/// <summary>
/// A source of raw examples, read lazily: <see cref="Read"/> streams its main file, so only the
/// examples a consumer keeps are held in memory.
/// </summary>
public interface IExampleSource
{
    /// <summary>The main file's name, used in reports of bad rows.</summary>
    string Name { get; }

    /// <summary>What the examples carry.</summary>
    ExampleSchema Schema { get; }

    /// <summary>Bad rows met so far by <see cref="Read"/>; complete once an enumeration has finished.</summary>
    DataQualityReport Report { get; }

    /// <summary>Streams the examples; rows that cannot be read are counted in <see cref="Report"/> and skipped.</summary>
    /// <returns>The examples, in file order.</returns>
    /// <exception cref="DataFormatException">A file does not match the layout or schema (names the column).</exception>
    IEnumerable<Example> Read();
}

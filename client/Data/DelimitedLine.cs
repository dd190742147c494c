using System.Text;

namespace Federated.Client.Data;

/// <summary>Splits one line of a delimited file, with optional RFC 4180 double-quoting.</summary>
/// <remarks>Quoted fields may contain the separator and doubled quotes, but not line breaks.</remarks>
internal static class DelimitedLine
{
    public static void Split(string line, string separator, bool quoted, List<string> cells)
    {
        cells.Clear();
        if (!quoted || !line.Contains('"', StringComparison.Ordinal))
        {
            cells.AddRange(line.Split(separator));
            return;
        }

        var cell = new StringBuilder();
        var i = 0;
        var inQuotes = false;
        while (i < line.Length)
        {
            var c = line[i];
            if (inQuotes)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i += 2;
                }
                else if (c == '"')
                {
                    inQuotes = false;
                    i++;
                }
                else
                {
                    cell.Append(c);
                    i++;
                }
            }
            else if (c == '"' && cell.Length == 0)
            {
                inQuotes = true;
                i++;
            }
            else if (string.CompareOrdinal(line, i, separator, 0, separator.Length) == 0)
            {
                cells.Add(cell.ToString());
                cell.Clear();
                i += separator.Length;
            }
            else
            {
                cell.Append(c);
                i++;
            }
        }

        cells.Add(cell.ToString());
    }
}

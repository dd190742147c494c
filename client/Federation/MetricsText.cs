using System.Globalization;
using System.Text;
using Federated.Model.Metrics;

namespace Federated.Client.Federation;

/// <summary>Per-task metrics as one short line for logs and the console, e.g. <c>rating: rmse=0.912 mae=0.731; like: auc=0.774 logloss=0.552</c>.</summary>
public static class MetricsText
{
    /// <summary>The main figures of every task; counts are left out.</summary>
    public static string Format(IReadOnlyList<TaskMetrics> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var text = new StringBuilder();
        foreach (var metric in metrics)
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            text.Append(metric.TaskName).Append(':');
            foreach (var (name, value) in metric.ToFigures())
            {
                if (name is "rmse" or "mae" or "auc" or "logloss" || name.StartsWith("hr@", StringComparison.Ordinal) || name.StartsWith("ndcg@", StringComparison.Ordinal))
                {
                    text.Append(' ').Append(name).Append('=').Append(value.ToString("0.000", CultureInfo.InvariantCulture));
                }
            }
        }

        return text.ToString();
    }
}

using System.Net;
using Federated.Coordinator.Tests.Dashboard;

namespace Federated.Coordinator.Tests.Telemetry;

/// <summary>The Prometheus scrape endpoint on the dashboard's port.</summary>
[Collection(nameof(SerialTelemetry))]
public sealed class PrometheusEndpointTests
{
    [Fact]
    public async Task Metrics_AfterARound_ServesTheCoordinatorsMetersWithoutSignIn()
    {
        await using var federation = await DashboardFederation.StartAsync();
        await federation.RunRoundAsync();
        using var client = new HttpClient { BaseAddress = federation.Dashboard };

        var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var samples = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToList();
        Assert.Equal(1, Sample(samples, "federated_rounds_committed_total"));
        Assert.Equal(3, Sample(samples, "federated_updates_accepted_total"));
        Assert.Equal(1, Sample(samples, "federated_round_duration_seconds_count"));
        Assert.Equal(3, Sample(samples, "federated_update_values_count"));
    }

    /// <summary>The value of a sample line <c>NAME{labels} VALUE [timestamp]</c> (the first with that name).</summary>
    private static double Sample(List<string> samples, string name)
    {
        var line = samples.FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no sample {name} in:\n{string.Join('\n', samples)}");
        var value = line[(line.IndexOf('}', StringComparison.Ordinal) is var brace and >= 0 ? brace + 1 : name.Length)..].Trim().Split(' ')[0];
        return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}

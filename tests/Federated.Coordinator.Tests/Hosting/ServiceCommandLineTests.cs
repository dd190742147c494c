using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Federated.Coordinator.Hosting;
using Microsoft.Data.Sqlite;

namespace Federated.Coordinator.Tests.Hosting;

/// <summary>The service's own command line: a setting it refuses or a port it cannot bind is one line and an exit code, no stack trace.</summary>
public sealed class ServiceCommandLineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("coordinator-startup-").FullName;

    [Theory]
    [InlineData("--Coordinator:MaxIdChars|8", "error: Coordinator:MaxIdChars must be in [16, 1024]")]
    [InlineData("--Coordinator:MaxUploadSeconds|0", "error: Coordinator:MaxUploadSeconds must be in [1, 86400]")]
    [InlineData("--Dashboard:SessionMinutes|0", "error: Dashboard:SessionMinutes must be in [1, 10080]")]
    [InlineData("--BulkUpload:Port|70000", "error: BulkUpload:Port must be in [0, 65535]")]
    [InlineData("--BulkUpload:Enabled|true|--BulkUpload:Address|0.0.0.0", "BulkUpload:Address 0.0.0.0 is not loopback")]
    public async Task RunAsync_SettingRefused_OneLineExitCode2AndNothingStarted(string settings, string named)
    {
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await ServiceCommandLine.RunAsync([.. settings.Split('|'), "--urls", "http://127.0.0.1:0", .. Isolated()], configure: null, error);

        Assert.Equal(2, code);
        var line = Assert.Single(error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "coordinator.db")));
    }

    [Fact]
    public async Task RunAsync_PortTaken_OneLineNamingTheAddressExitCode1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await ServiceCommandLine.RunAsync(["--urls", $"http://127.0.0.1:{port}", .. Isolated()], configure: null, error);

        Assert.Equal(1, code);
        Assert.Equal(
            [$"error: Failed to bind to address http://127.0.0.1:{port}: address already in use. (another process listens there: choose another with --urls)"],
            error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task RunAsync_DatabaseFileNotSqlite_OneLineNamingTheFileExitCode1AndFileUntouched()
    {
        var database = Path.Combine(_folder, "coordinator.db");
        var garbage = new string('x', 4096);
        await File.WriteAllTextAsync(database, garbage);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await ServiceCommandLine.RunAsync(["--urls", "http://127.0.0.1:0", .. Isolated()], configure: null, error);

        Assert.Equal(1, code);
        Assert.Equal(
            [$"error: the database '{database}' cannot be used: SQLite Error 26: 'file is not a database'. (Coordinator:DatabasePath)"],
            error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(garbage, await File.ReadAllTextAsync(database));
    }

    [Fact]
    public async Task RunAsync_DatabaseOfANewerSchema_OneLineSayingWhichVersionsItKnowsExitCode1()
    {
        var database = Path.Combine(_folder, "coordinator.db");
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 999";
            await command.ExecuteNonQueryAsync();
        }

        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await ServiceCommandLine.RunAsync(["--urls", "http://127.0.0.1:0", .. Isolated()], configure: null, error);

        Assert.Equal(1, code);
        var line = Assert.Single(error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: the database '{database}' has schema version 999, but this coordinator knows versions 0 to ", line, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A database of its own and no dashboard (its default port could be another test's or process's).</summary>
    private string[] Isolated() => ["--Coordinator:DatabasePath", Path.Combine(_folder, "coordinator.db"), "--Dashboard:Url", ""];
}

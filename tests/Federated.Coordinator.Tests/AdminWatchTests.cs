using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Cli;
using Federated.Protos.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests;

/// <summary><c>admin watch</c>: ends with its run, and says in one line when it loses the coordinator.</summary>
public sealed class AdminWatchTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Watch_RunCompletes_FinalLineAndExitCodeZero()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(rounds: 1, minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            using var output = new SynchronizedWriter();
            using var error = new StringWriter(CultureInfo.InvariantCulture);
            var server = (TestServer)host.Services.GetRequiredService<IServer>();
            var watching = AdminCommand.RunAsync(
                ["watch", "--run", run, "--coordinator", server.BaseAddress.ToString(), "--admin-token", CoordinatorTestHost.AdminToken],
                new InvocationConfiguration { Output = output, Error = error },
                server.CreateHandler());
            await WaitForWatcherAsync(host);

            await node.JoinAsync(run);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 1, 1);

            Assert.Equal(0, await watching.WaitAsync(Bound));
            Assert.Equal("", error.ToString());
            Assert.Equal($"run {run} completed at version 1: completed 1 rounds", AdminCommandTests.Lines(output.ToString())[^1]);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Watch_RunAlreadyStopped_FinalLineAtOnceAndExitCodeZero()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig())).RunId;
            await host.Operator.StopRunAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin);

            var (code, output, error) = await AdminCommandTests.AdminAsync(host, "watch", "--run", run).WaitAsync(Bound);

            Assert.Equal(0, code);
            Assert.Equal("", error);
            Assert.Equal([$"run {run} stopped at version 0: stopped by an operator"], AdminCommandTests.Lines(output));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Watch_CoordinatorStopsMidWatch_OneLostLineAndExitCodeFive()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync();
        var url = coordinator.Address.ToString();
        using var output = new SynchronizedWriter();
        using var error = new SynchronizedWriter();
        var watching = AdminCommand.RunAsync(["watch", "--coordinator", url, "--admin-token", CoordinatorTestHost.AdminToken], new InvocationConfiguration { Output = output, Error = error }, httpHandler: null);

        // Wait until the watch is connected (it has made its call), then stop the coordinator under it.
        using (var channel = GrpcChannel.ForAddress(coordinator.Address))
        {
            var client = new Operator.OperatorClient(channel);
            await client.StartRunAsync(new StartRunRequest { ConfigJson = TestSpecs.RunConfig() }, CoordinatorTestHost.Admin);
            while (!output.ToString().Contains("run created", StringComparison.Ordinal))
            {
                Assert.False(watching.IsCompleted, error.ToString());
                await client.StartRunAsync(new StartRunRequest { ConfigJson = TestSpecs.RunConfig() }, CoordinatorTestHost.Admin);
                await Task.Delay(50);
            }
        }

        await coordinator.StopAsync();

        Assert.Equal(5, await watching.WaitAsync(Bound));
        var line = Assert.Single(AdminCommandTests.Lines(error.ToString()));
        Assert.StartsWith($"error: lost the coordinator at {url}: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }

    /// <summary>Waits until the watch's subscription exists (a run started now would otherwise be missed).</summary>
    private static async Task WaitForWatcherAsync(CoordinatorTestHost host)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (host.Engine.Events.SubscriberCount == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the watch never subscribed");
            await Task.Delay(20);
        }
    }

    /// <summary>A string writer safe to read while the watch writes to it from another thread.</summary>
    private sealed class SynchronizedWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public SynchronizedWriter()
            : base(CultureInfo.InvariantCulture)
        {
        }

        public override void Write(char value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return base.ToString();
            }
        }
    }
}

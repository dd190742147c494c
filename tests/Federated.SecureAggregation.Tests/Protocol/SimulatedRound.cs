using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Protocol.Messages;

namespace Federated.SecureAggregation.Tests.Protocol;

/// <summary>
/// Drives n seeded clients and one server through a round in memory, with parties that vanish after a chosen phase,
/// and keeps the inputs to compare the result with.
/// </summary>
internal sealed class SimulatedRound : IDisposable
{
    public SimulatedRound(int parties, int threshold, int vectorLength, int neighbours = 0, int seed = 1)
    {
        var graphSeed = new byte[32];
        RandomSource.FromSeed(SeedBytes(seed, 0xA0)).Fill(graphSeed);
        Setup = new SecAggRoundSetup(new SecAggContext("run-test", 7), [.. Enumerable.Range(1, parties)], threshold, vectorLength, neighbours, neighbours > 0 ? graphSeed : null);
        Server = new SecAggServer(Setup);
        Clients = Setup.Parties.ToDictionary(p => p, p => new SecAggClient(Setup, p, RandomSource.FromSeed(SeedBytes(seed, p))));
        var random = new Random(seed);
        Inputs = Setup.Parties.ToDictionary(p => p, _ => Enumerable.Range(0, vectorLength).Select(_ => (uint)random.Next(-1000, 1000)).ToArray());
    }

    public SecAggRoundSetup Setup { get; }

    public SecAggServer Server { get; }

    public Dictionary<int, SecAggClient> Clients { get; }

    public Dictionary<int, uint[]> Inputs { get; }

    public Dictionary<int, MaskedInput> MaskedInputs { get; } = [];

    public List<UnmaskRequest> Requests { get; } = [];

    /// <summary>Parties that never advertise, vanish after advertising, after sharing keys, after sending their masked input.</summary>
    public SecAggResult Run(
        IReadOnlyCollection<int>? silent = null,
        IReadOnlyCollection<int>? afterKeys = null,
        IReadOnlyCollection<int>? afterSharing = null,
        IReadOnlyCollection<int>? afterMasking = null)
    {
        var alive = Setup.Parties.Except(silent ?? []).ToList();
        foreach (var p in alive)
        {
            Server.ReceiveKeys(Clients[p].AdvertiseKeys());
        }

        Server.CloseKeyAdvertisement();
        alive = alive.Except(afterKeys ?? []).ToList();
        foreach (var p in alive)
        {
            Server.ReceiveSharedKeys(Clients[p].ShareKeys(Server.DirectoryFor(p)));
        }

        Server.CloseShareKeys();
        alive = alive.Except(afterSharing ?? []).ToList();
        foreach (var p in alive)
        {
            MaskedInputs[p] = Clients[p].MaskInput(Server.InboxFor(p), Inputs[p]);
            Server.ReceiveMaskedInput(MaskedInputs[p]);
        }

        Server.CloseMaskedInput();
        alive = alive.Except(afterMasking ?? []).ToList();
        foreach (var p in alive)
        {
            var request = Server.RequestFor(p);
            Requests.Add(request);
            Server.ReceiveUnmaskResponse(Clients[p].Unmask(request));
        }

        return Server.Finish();
    }

    /// <summary>Σ x_u mod 2^32 over <paramref name="parties"/>.</summary>
    public uint[] PlainSum(IEnumerable<int> parties)
    {
        var sum = new uint[Setup.VectorLength];
        foreach (var p in parties)
        {
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] = unchecked(sum[i] + Inputs[p][i]);
            }
        }

        return sum;
    }

    public void Dispose()
    {
        foreach (var client in Clients.Values)
        {
            client.Dispose();
        }
    }

    private static byte[] SeedBytes(int seed, int party)
    {
        var bytes = new byte[32];
        BitConverter.GetBytes(seed).CopyTo(bytes, 0);
        BitConverter.GetBytes(party).CopyTo(bytes, 4);
        return bytes;
    }
}

using Federated.Client.Data;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Data;

public sealed class TokenHasherTests
{
    [Fact]
    public void Hash64_KnownVectors_MatchFnv1a()
    {
        // Published FNV-1a 64 test vectors.
        Assert.Equal(0xcbf29ce484222325UL, TokenHasher.Hash64(""));
        Assert.Equal(0xaf63dc4c8601ec8cUL, TokenHasher.Hash64("a"));
        Assert.Equal(0x85944171f73967e8UL, TokenHasher.Hash64("foobar"));
    }

    [Fact]
    public void Bucket_SameInput_SameRowAndInRange()
    {
        for (var i = 0; i < 1000; i++)
        {
            var token = "item-" + i;
            var row = TokenHasher.Bucket("item", token, 97);
            Assert.InRange(row, 0, 96);
            Assert.Equal(row, TokenHasher.Bucket("item", token, 97));
        }
    }

    [Fact]
    public void Bucket_ManyTokens_SpreadOverBuckets()
    {
        var counts = new int[16];
        for (var i = 0; i < 16_000; i++)
        {
            counts[TokenHasher.Bucket("user", i.ToString(System.Globalization.CultureInfo.InvariantCulture), 16)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Bucket_NonAsciiAndLongTokens_Hash()
    {
        var longToken = new string('é', 1000);
        Assert.Equal(TokenHasher.Bucket("f", longToken, 1000), TokenHasher.Bucket("f", longToken, 1000));
        Assert.NotEqual(TokenHasher.Hash64("Amélie"), TokenHasher.Hash64("Amelie"));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1024)]
    [InlineData(4096)]
    public void Bucket_Version1_AdministratorAndHomemakerShareARow(int buckets)
    {
        // Version 1 is today's hash bit for bit, collisions included: old specs keep their rows.
        Assert.Equal(TokenHasher.Bucket("occupation", "administrator", buckets, 1), TokenHasher.Bucket("occupation", "homemaker", buckets, 1));
        Assert.Equal(TokenHasher.Bucket("occupation", "administrator", buckets), TokenHasher.Bucket("occupation", "administrator", buckets, 1));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1024)]
    [InlineData(4096)]
    public void Bucket_Version2_AdministratorAndHomemakerGetDifferentRows(int buckets)
    {
        Assert.NotEqual(TokenHasher.Bucket("occupation", "administrator", buckets, 2), TokenHasher.Bucket("occupation", "homemaker", buckets, 2));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(4096)]
    public void Bucket_Version2_MovieLensOccupationsAllDistinct(int buckets)
    {
        string[] occupations =
        [
            "administrator", "artist", "doctor", "educator", "engineer", "entertainment", "executive", "healthcare", "homemaker", "lawyer", "librarian",
            "marketing", "none", "other", "programmer", "retired", "salesman", "scientist", "student", "technician", "writer",
        ];

        Assert.Equal(occupations.Length, occupations.Select(o => TokenHasher.Bucket("occupation", o, buckets, 2)).Distinct().Count());
        Assert.NotEqual(occupations.Length, occupations.Select(o => TokenHasher.Bucket("occupation", o, buckets, 1)).Distinct().Count());
    }

    [Fact]
    public void Mix64_KnownValues_MatchMurmur3Fmix64()
    {
        // fmix64 of MurmurHash3 (x ^= x >> 33; x *= 0xff51afd7ed558ccd; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53; x ^= x >> 33),
        // evaluated independently with arbitrary-precision integers.
        Assert.Equal(0UL, TokenHasher.Mix64(0));
        Assert.Equal(0xb456bcfc34c2cb2cUL, TokenHasher.Mix64(1));
        Assert.Equal(0xefd01f60ba992926UL, TokenHasher.Mix64(0xcbf29ce484222325UL));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Bucket_UnknownVersion_Throws(int version)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenHasher.Bucket("f", "t", 8, version));
    }

    [Fact]
    public void TryEncode_SpecWithHashVersion2_UsesVersion2Rows()
    {
        var field = new FieldSpec { Name = "occupation", Dim = 2, Buckets = 64 };
        var spec = new ModelSpec
        {
            Fields = [field],
            Trunk = new TrunkSpec { Hidden = [2] },
            Tasks = [new TaskSpec { Name = "like", Tower = [2] }],
            HashVersion = 2,
        };
        var encoder = new ExampleEncoder(spec, new ExampleSchema(["occupation"], [], ["like"]));
        var ids = new int[1][];

        Assert.True(encoder.TryEncode(new Example(1, [["homemaker"]], [], [1f]), ids, out _));

        Assert.Equal(TokenHasher.Bucket("occupation", "homemaker", 64, 2), ids[0][0]);
        Assert.Equal(ids[0][0], ExampleEncoder.EncodeToken(field, "homemaker", 2));
    }
}

using Federated.Client.Data;

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
}

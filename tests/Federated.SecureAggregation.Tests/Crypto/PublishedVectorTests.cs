using Federated.SecureAggregation.Crypto;

namespace Federated.SecureAggregation.Tests.Crypto;

/// <summary>Each primitive against the vectors of the document that defines it.</summary>
public sealed class PublishedVectorTests
{
    [Fact]
    public void Derive_Rfc5869TestCase1_GivesPublishedOutput()
    {
        // RFC 5869 Appendix A.1 (HKDF-SHA256, basic test case).
        var ikm = Convert.FromHexString("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        var salt = Convert.FromHexString("000102030405060708090a0b0c");
        var info = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9");

        var okm = SeedDerivation.Derive(ikm, salt, info, 42);

        Assert.Equal("3CB25F25FAACD57A90434F64D0362F2A2D2D0A90CF1A5A4C5DB02D56ECC4C5BF34007208D5B887185865", Convert.ToHexString(okm));
    }

    [Fact]
    public void Encrypt_GcmSpecTestCase16_GivesPublishedCiphertextAndTag()
    {
        // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 96-bit IV, with AAD), the
        // vectors NIST SP 800-38D's validation uses.
        var key = Convert.FromHexString("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        var nonce = Convert.FromHexString("cafebabefacedbaddecaf888");
        var plaintext = Convert.FromHexString("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        var aad = Convert.FromHexString("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];

        ShareCipher.Encrypt(key, nonce, plaintext, ciphertext, tag, aad);

        Assert.Equal("522DC1F099567D07F47F37A32A84427D643A8CDCBFE5C0C97598A2BD2555D1AA8CB08E48590DBB3DA7B08B1056828838C5F61E6393BA7A0ABCC9F662", Convert.ToHexString(ciphertext));
        Assert.Equal("76FC6ECE0F4E1768CDDF8853BB2D551B", Convert.ToHexString(tag));
    }

    [Fact]
    public void Keystream_Sp80038AF55_XorsPlaintextToPublishedCiphertext()
    {
        // NIST SP 800-38A F.5.5 CTR-AES256.Encrypt: the counter's low bytes carry from ...feff to ...ff00.
        var key = Convert.FromHexString("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        var counter = UInt128.Parse("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", System.Globalization.NumberStyles.HexNumber);
        var plaintext = Convert.FromHexString("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
        var stream = new byte[plaintext.Length];

        MaskExpansion.Keystream(key, counter, stream);
        var ciphertext = plaintext.Zip(stream, (p, s) => (byte)(p ^ s)).ToArray();

        Assert.Equal("601EC313775789A5B7A7F504BBF3D228F443E3CA4D62B59ACA84E990CACAF5C52B0930DAA23DE94CE87017BA2D84988DDFC9C58DB67AADA613C2DD08457941A6", Convert.ToHexString(ciphertext));
    }

    [Fact]
    public void SharedSecret_Rfc5903Section81_GivesPublishedSecretBothWays()
    {
        // RFC 5903 §8.1, the 256-bit random ECP group: i, g^i, r, g^r and the shared x-coordinate g^ir.
        using var initiator = KeyAgreement.ImportPrivateKey(Convert.FromHexString("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"));
        using var responder = KeyAgreement.ImportPrivateKey(Convert.FromHexString("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53"));
        var gi = KeyAgreement.ExportPublicKey(initiator);
        var gr = KeyAgreement.ExportPublicKey(responder);

        Assert.Equal("04DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C37725811805271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3", Convert.ToHexString(gi));
        Assert.Equal("04D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF6356FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB", Convert.ToHexString(gr));
        Assert.Equal("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE", Convert.ToHexString(KeyAgreement.SharedSecret(initiator, gr)));
        Assert.Equal("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE", Convert.ToHexString(KeyAgreement.SharedSecret(responder, gi)));
    }
}

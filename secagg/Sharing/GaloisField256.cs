namespace Federated.SecureAggregation.Sharing;

/// <summary>
/// Arithmetic in GF(2^8) with the AES reduction polynomial x^8 + x^4 + x^3 + x + 1 (0x11B). Addition is XOR;
/// multiplication is a shift-and-add loop without tables or branches on the operands, so its timing does not depend on
/// the secret bytes it multiplies.
/// </summary>
internal static class GaloisField256
{
    public static byte Multiply(byte a, byte b)
    {
        int product = 0, x = a, y = b;
        for (var bit = 0; bit < 8; bit++)
        {
            product ^= -(y & 1) & x;
            y >>= 1;
            x = (x << 1) ^ (-((x >> 7) & 1) & 0x11B);
        }

        return (byte)product;
    }

    /// <summary>a^-1 = a^254 (the multiplicative group has order 255); a must not be zero.</summary>
    public static byte Inverse(byte a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("zero has no inverse in GF(2^8)");
        }

        byte result = 1, power = a;
        for (var exponent = 254; exponent > 0; exponent >>= 1)
        {
            if ((exponent & 1) != 0)
            {
                result = Multiply(result, power);
            }

            power = Multiply(power, power);
        }

        return result;
    }
}

namespace Federated.Model.Kernels;

/// <summary>The <see cref="ITileExtent"/> constants 1 to 6 used to specialise the GEMM micro-kernel.</summary>
internal static class TileExtent
{
    /// <summary>The constant 1.</summary>
    internal readonly struct One : ITileExtent
    {
        public static int Value => 1;
    }

    /// <summary>The constant 2.</summary>
    internal readonly struct Two : ITileExtent
    {
        public static int Value => 2;
    }

    /// <summary>The constant 3.</summary>
    internal readonly struct Three : ITileExtent
    {
        public static int Value => 3;
    }

    /// <summary>The constant 4.</summary>
    internal readonly struct Four : ITileExtent
    {
        public static int Value => 4;
    }

    /// <summary>The constant 5.</summary>
    internal readonly struct Five : ITileExtent
    {
        public static int Value => 5;
    }

    /// <summary>The constant 6.</summary>
    internal readonly struct Six : ITileExtent
    {
        public static int Value => 6;
    }
}

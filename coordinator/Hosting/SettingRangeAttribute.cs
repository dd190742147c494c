using System.ComponentModel.DataAnnotations;

namespace Federated.Coordinator.Hosting;

/// <summary>
/// <see cref="RangeAttribute"/> for option classes, so that its <see cref="ValidationAttribute.ErrorMessage"/> (which
/// names the configuration key, e.g. "Coordinator:MaxIdChars must be in [16, 1024]") is what the operator reads: the
/// options validation source generator replaces <see cref="RangeAttribute"/> itself by a generated copy that formats its
/// own "The field CoordinatorOptions.MaxIdChars must be between 16 and 1024." and ignores ErrorMessage
/// (dotnet/runtime#123137), but instantiates a subclass as written.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
internal sealed class SettingRangeAttribute : RangeAttribute
{
    /// <summary>An inclusive range of integers.</summary>
    public SettingRangeAttribute(int minimum, int maximum)
        : base(minimum, maximum)
    {
    }

    /// <summary>An inclusive range of floating-point numbers (also used for long properties whose bounds a double holds exactly).</summary>
    public SettingRangeAttribute(double minimum, double maximum)
        : base(minimum, maximum)
    {
    }

    /// <summary>An inclusive range compared in <paramref name="type"/> (e.g. long beyond 2^53).</summary>
    public SettingRangeAttribute(Type type, string minimum, string maximum)
        : base(type, minimum, maximum)
    {
    }
}

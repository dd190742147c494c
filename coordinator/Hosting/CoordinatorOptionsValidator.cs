using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Hosting;

/// <summary>Source-generated validation of <see cref="CoordinatorOptions"/>; messages name the configuration key.</summary>
[OptionsValidator]
internal sealed partial class CoordinatorOptionsValidator : IValidateOptions<CoordinatorOptions>;

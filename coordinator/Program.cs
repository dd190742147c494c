using Federated.Coordinator.Cli;
using Federated.Coordinator.Hosting;
using Microsoft.Extensions.Configuration.Json;

// `admin <verb>` talks to a running coordinator; `privacy <verb>` plans privacy offline; anything else runs the service.
if (args.Length > 0 && args[0] == "admin")
{
    return await AdminCommand.RunAsync(args[1..]).ConfigureAwait(false);
}

if (args.Length > 0 && args[0] == "privacy")
{
    return PrivacyCommand.Run(args[1..]);
}

// Installed as a .NET tool or published as a single file, the program's own appsettings.json (its defaults, e.g. quiet
// ASP.NET Core request logging) lies beside it, not in the working directory, which is the content root (the database
// goes there). It is read first, so the working directory's appsettings.json, the environment and the command line
// still override every value.
return await ServiceCommandLine.RunAsync(args, builder =>
{
    var defaults = new JsonConfigurationSource { Path = Path.Combine(AppContext.BaseDirectory, "appsettings.json"), Optional = true };
    defaults.ResolveFileProvider();
    builder.Configuration.Sources.Insert(0, defaults);
}, Console.Error).ConfigureAwait(false);

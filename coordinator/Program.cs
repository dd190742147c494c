using Federated.Coordinator.Cli;
using Federated.Coordinator.Hosting;

// `admin <verb>` talks to a running coordinator; `privacy <verb>` plans privacy offline; anything else runs the service.
if (args.Length > 0 && args[0] == "admin")
{
    return await AdminCommand.RunAsync(args[1..]).ConfigureAwait(false);
}

if (args.Length > 0 && args[0] == "privacy")
{
    return PrivacyCommand.Run(args[1..]);
}

var app = CoordinatorHost.Build(args);
await app.RunAsync().ConfigureAwait(false);
return 0;

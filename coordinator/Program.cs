// The coordinator service. Its round engine, storage and gRPC adapters arrive with the coordinator issue.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "Federated coordinator");
await app.RunAsync().ConfigureAwait(false);

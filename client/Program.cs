// The client node. Its data sources, training loop and gRPC adapter arrive with the client issue.
Console.WriteLine("Federated client node: see README.md.");
return 0;

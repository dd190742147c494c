Console.WriteLine("Federated simulation");
return 0;

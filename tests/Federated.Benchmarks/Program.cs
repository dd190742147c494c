Console.WriteLine("benchmarks");
return 0;

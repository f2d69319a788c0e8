using Yarp.ReverseProxy.Configuration;

// Usage: YarpProxy --urls http://127.0.0.1:<port> --upstream http://127.0.0.1:<echo port>
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var upstream = builder.Configuration["upstream"] ?? throw new InvalidOperationException("--upstream is required");
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "echo", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "echo", Destinations = new Dictionary<string, DestinationConfig> { ["echo"] = new() { Address = upstream } } }]);
var app = builder.Build();
app.MapReverseProxy();
app.Run();

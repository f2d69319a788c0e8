using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.Relaying.Pool;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>A pooled backend's query: its DefaultQuery, and a caller's values only for allowed keys and safe values.</summary>
public class PoolQueryTests
{
    private static readonly Dictionary<string, string> Defaults = new() { ["voice_prompt"] = "NATF2.pt", ["text_prompt"] = "You are a helpful assistant.", ["temperature"] = "0.7" };

    private static Dictionary<string, string> Query(Uri url) =>
        QueryHelpers.ParseQuery(url.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    [Fact]
    public void Without_an_allow_list_every_caller_value_is_dropped()
    {
        var url = BackendQuery.For(new Uri("ws://10.0.0.5:8998/api/chat"), Defaults, new HashSet<string>(),
            new QueryString("?voice_prompt=x.pt&text_prompt=hi&seed=1&other=2"));
        Assert.Equal(Defaults, Query(url));
    }

    [Theory]
    [InlineData("?voice_prompt=../../etc/passwd", "NATF2.pt")]
    [InlineData("?voice_prompt=%2Fetc%2Fshadow", "NATF2.pt")]
    [InlineData("?voice_prompt=..%5C..%5Cwin.ini", "NATF2.pt")]
    [InlineData("?voice_prompt=", "NATF2.pt")]
    [InlineData("?voice_prompt=a.pt&voice_prompt=b.pt", "NATF2.pt")]
    [InlineData("?voice_prompt=NATM1.pt", "NATM1.pt")]
    public void An_allowed_key_takes_only_a_safe_value_and_the_prompt_cannot_be_removed(string caller, string voice)
    {
        var url = BackendQuery.For(new Uri("ws://10.0.0.5:8998/api/chat"), Defaults, new HashSet<string> { "voice_prompt", "text_prompt" }, new QueryString(caller));
        Assert.Equal(voice, Query(url)["voice_prompt"]);
        Assert.Equal(Defaults["text_prompt"], Query(url)["text_prompt"]);
    }

    [Fact]
    public void The_urls_own_query_comes_first_and_values_are_escaped()
    {
        var url = BackendQuery.For(new Uri("ws://10.0.0.5:8998/api/chat?temperature=0.9&x=1"), Defaults, new HashSet<string> { "text_prompt" },
            new QueryString("?text_prompt=Be%20brief%20%26%20kind%3F"));
        Assert.Equal(new Dictionary<string, string> { ["temperature"] = "0.7", ["x"] = "1", ["voice_prompt"] = "NATF2.pt", ["text_prompt"] = "Be brief & kind?" }, Query(url));
    }

    [Fact]
    public async Task Through_the_relay_a_browser_cannot_pick_a_file_or_omit_the_prompt()
    {
        await using var backend = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(backend.ChatUri, null,
            ("Backends:0:Url", $"ws://127.0.0.1:{backend.BaseUri.Port}/api/chat"),
            ("Backends:0:DefaultQuery:voice_prompt", "NATF2.pt"),
            ("Backends:0:DefaultQuery:text_prompt", "You are a helpful assistant."),
            ("AllowedQueryKeys:0", "text_prompt"));
        foreach (var query in new[] { "", "?voice_prompt=../../../etc/passwd&text_prompt=Speak%20French&seed=1&debug=1", "?voice_prompt=" })
        {
            using var ws = (await relay.ConnectAsync(relay.ValidToken(), "/api/chat" + query)).Socket!;
            var (type, data) = await ws.ReceiveMessageAsync();
            Assert.Equal((WebSocketMessageType.Binary, (byte)0x00), (type, data[0])); // the stand-in refuses a call without voice_prompt or text_prompt, or with seed
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        var seen = backend.Queries.Select(q => QueryHelpers.ParseQuery(q).ToDictionary(p => p.Key, p => p.Value.ToString())).ToList();
        Assert.Equal(3, seen.Count);
        Assert.All(seen, q => Assert.Equal("NATF2.pt", q["voice_prompt"]));
        Assert.All(seen, q => Assert.Equal(["text_prompt", "voice_prompt"], q.Keys.Order())); // the caller's seed is dropped

        Assert.Equal(["Speak French", "You are a helpful assistant.", "You are a helpful assistant."], seen.Select(q => q["text_prompt"]).Order());
    }
}

using VoiceEdge.Infra.Tests.Support;
using K = VoiceEdge.Infra.Settings.ConfigKeys;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The relay's <c>Relay__PublicBaseUrl</c> is not a stack setting: infra derives it as <c>wss://&lt;relay record&gt;</c>
/// (RELAY_PUBLIC_BASE_URL), so it meets Twilio's stream URL rules by construction (wss: 31922; port 443: 31910; no
/// query: 31920), which the relay checks again at start. These tests keep it so: the record cannot smuggle a port,
/// a path or a query in.
/// </summary>
public class TwilioStreamUrlTests
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void The_derived_public_base_is_wss_on_the_default_port_without_a_query(string stack)
    {
        var fqdn = Stacks.Settings(stack).Edge!.RelayRecordFqdn;
        var url = new Uri($"wss://{fqdn}");
        Assert.Equal(("wss", 443, "", "/"), (url.Scheme, url.Port, url.Query, url.AbsolutePath));
    }

    [Theory]
    [InlineData("ws:8443")]
    [InlineData("ws?x=1")]
    [InlineData("ws/twilio")]
    public void A_relay_record_that_would_add_a_port_a_query_or_a_path_is_refused(string record)
    {
        Assert.Contains(Stacks.Problems(Stacks.Edited("dev", (K.RelayRecord, record))), p => p.Key == K.RelayRecord);
    }
}

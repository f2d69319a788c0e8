using YamlDotNet.RepresentationModel;

namespace VoiceEdge.Infra.Tests.Support;

public static class YamlDocs
{
    /// <summary>Parses YAML text (failing the test if it is not YAML) and returns its root mapping.</summary>
    public static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}

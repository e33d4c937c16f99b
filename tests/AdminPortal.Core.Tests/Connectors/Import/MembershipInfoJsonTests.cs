using AdminPortal.Core.Connectors.Import;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Import;

/// <summary>
/// The STORE#ACC#ENT#MAPPINGINFO column is written without a token tree per record; its text must stay exactly what
/// the JObject it replaced printed (stored values are compared by content hash on every re-import).
/// </summary>
public class MembershipInfoJsonTests
{
    private static string Reference(IEnumerable<(string Type, string[] Ids, string? KeyField)> info)
    {
        var o = new JObject();
        foreach (var (type, ids, keyField) in info) o[type] = new JObject { ["entIds"] = new JArray(ids), ["keyField"] = keyField };
        return o.ToString(Formatting.None);
    }

    [Fact]
    public void Prints_what_the_JObject_printed()
    {
        var cases = new List<(string Type, string[] Ids, string? KeyField)[]>
        {
            new[] { ("Groups", new[] { "g1", "g2" }, (string?)"entitlementID") },
            new[] { ("Groups", new[] { "quote\"back\\slash", "ünï ✓", "ctl\u0001\t\n", "</script>" }, (string?)null), ("Roles", new[] { "r" }, (string?)"entitlement_value") },
            new[] { ("type with \"quotes\"", new[] { "" }, (string?)"x") },
        };
        foreach (var info in cases) Assert.Equal(Reference(info), RecordMapper.MembershipInfoJson(info));
    }

    [Fact]
    public void Escapes_every_UTF16_code_unit_as_Newtonsoft_does()
    {
        // every code unit from U+0000 to U+FFFF (lone surrogates included), in ids, a type name and a key field
        var all = Enumerable.Range(0, 0x10000).Select(i => (char)i).ToArray();
        var ids = all.Chunk(97).Select(c => new string(c)).ToArray();
        for (var i = 0; i < 0x10000; i += 4096)
        {
            var slice = new string(all, i, 4096);
            var info = new[] { (slice, ids, (string?)slice), ("Roles", Array.Empty<string>(), (string?)null) };
            Assert.Equal(Reference(info), RecordMapper.MembershipInfoJson(info));
        }
    }
}

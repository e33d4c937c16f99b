using System.Security.Cryptography;
using System.Text;
using AdminPortal.Core.Connectors.Import;

namespace AdminPortal.Core.Tests.Connectors.Import;

/// <summary>
/// Stored content hashes must not change between versions (a re-import would otherwise see every row as changed):
/// the fast RecordHash gives exactly what the first implementation gave.
/// </summary>
public class RecordHashTests
{
    private static string Reference(IReadOnlyDictionary<string, string?> attributes)
    {
        var sb = new StringBuilder();
        foreach (var kv in attributes.OrderBy(k => k.Key.ToLowerInvariant(), StringComparer.Ordinal))
        {
            sb.Append(kv.Key.ToLowerInvariant()).Append('\u001f').Append(kv.Value ?? "\u0000").Append('\u001e');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..32];
    }

    [Fact]
    public void Gives_the_same_hash_as_the_first_implementation()
    {
        var random = new Random(42);
        for (var round = 0; round < 500; round++)
        {
            var attributes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            var count = random.Next(0, 30);
            for (var i = 0; i < count; i++)
            {
                var key = (random.Next(3) == 0 ? "CustomProperty" : "attr_") + random.Next(100) + (random.Next(5) == 0 ? "Ä" : "");
                attributes[key] = random.Next(6) switch
                {
                    0 => null,
                    1 => "",
                    2 => new string('x', random.Next(5000)), // larger than the reused buffer at first
                    3 => "ünïcödé ✓ \u0000 tab\t",
                    _ => Guid.NewGuid().ToString(),
                };
            }

            Assert.Equal(Reference(attributes), RecordHash.Compute(attributes));
        }
    }

    [Fact]
    public void Key_case_does_not_matter_and_values_do()
    {
        var a = new Dictionary<string, string?> { ["Name"] = "ann", ["status"] = "active" };
        var b = new Dictionary<string, string?> { ["status"] = "active", ["name"] = "ann" };
        var c = new Dictionary<string, string?> { ["name"] = "ann", ["status"] = "inactive" };
        Assert.Equal(RecordHash.Compute(a), RecordHash.Compute(b));
        Assert.NotEqual(RecordHash.Compute(a), RecordHash.Compute(c));
        Assert.Equal(32, RecordHash.Compute(a).Length);
    }
}

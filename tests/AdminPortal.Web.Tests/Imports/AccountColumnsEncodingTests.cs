using AdminPortal.Data;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>The account buffer's compact column encoding gives back what it was given: nulls, empty and non-ASCII values,
/// long values, more than 127 columns (multi-byte varints), keys compared case-insensitively.</summary>
public class AccountColumnsEncodingTests
{
    [Fact]
    public void Decode_gives_back_every_column_and_value()
    {
        var encoding = new AccountColumnsEncoding();
        var first = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["accountID"] = "u-1", ["name"] = "ann", ["email"] = null, ["empty"] = "", ["display_name"] = "Zoë 東京 🚀", ["long"] = new string('x', 100_000),
        };
        var wide = Enumerable.Range(0, 300).ToDictionary(i => $"c{i}", i => i % 7 == 0 ? null : $"v{i}");

        var a = encoding.Encode(first);
        var b = encoding.Encode(wide);
        var c = encoding.Encode(new Dictionary<string, string?>());

        Assert.Equal(first.OrderBy(k => k.Key), encoding.Decode(a).OrderBy(k => k.Key));
        Assert.Equal(wide.OrderBy(k => k.Key), encoding.Decode(b).OrderBy(k => k.Key));
        Assert.Empty(encoding.Decode(c));
        Assert.Equal("ann", encoding.Decode(a)["NAME"]);
        Assert.Null(encoding.Decode(a)["Email"]);
    }

    [Fact]
    public void A_record_is_far_smaller_than_its_json()
    {
        var encoding = new AccountColumnsEncoding();
        var columns = new Dictionary<string, string?> { ["accountID"] = "sa-12345", ["name"] = "svc-build", ["display_name"] = "Build", ["description"] = null, ["accountType"] = "ServiceAccount" };
        encoding.Encode(columns);
        Assert.True(encoding.Encode(columns).Length * 2 < System.Text.Json.JsonSerializer.Serialize(columns).Length);
    }
}

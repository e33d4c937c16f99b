using AdminPortal.Core.Transport;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Transport;

public class PlaceholderScannerTests
{
    [Fact]
    public void Find_SingleAndDoubleForms_Found()
    {
        var found = PlaceholderScanner.Find("{\"url\": \"https://@HOST_URL@/api/@@INSTANCE_NAME@@/users\", \"u\": \"@USERNAME@\"}");

        Assert.Equal(["@HOST_URL@", "@@INSTANCE_NAME@@", "@USERNAME@"], found.Select(f => f.Token));
        Assert.Equal(["HOST_URL", "INSTANCE_NAME", "USERNAME"], found.Select(f => f.Name));
        Assert.Equal([false, true, false], found.Select(f => f.IsDouble));
    }

    [Theory]
    [InlineData("{\"to\": \"admin@EXAMPLE.COM\"}")]
    [InlineData("{\"mail\": \"john.doe@ACME@corp\"}")]
    [InlineData("{\"nextUrlPath\": \"@odata.nextLink\"}")]
    [InlineData("{\"x\": \"@lower@\", \"y\": \"@1ABC@\", \"z\": \"${access_token}\", \"w\": \"@@BROKEN@\"}")]
    public void Find_EmailsODataAndMalformed_NoFalsePositives(string text)
    {
        Assert.Empty(PlaceholderScanner.Find(text));
    }

    [Fact]
    public void FindInPackage_RealPackages_OnlyTheKnownPlaceholders()
    {
        var found = TransportTestData.RealPackages
            .SelectMany(n => PlaceholderScanner.FindInPackage(TransportTestData.ReadReal(n)))
            .Select(p => p.Token).Distinct().Order().ToList();

        Assert.Equal(["@CORPNAME@", "@HOST_URL@"], found);
    }

    [Fact]
    public void FindInPackage_Sap_ListsEveryAttributeUsingIt()
    {
        var placeholder = Assert.Single(PlaceholderScanner.FindInPackage(TransportTestData.ReadReal("SAP_Business_Technology_Platform")));

        Assert.Equal("HOST_URL", placeholder.Name);
        Assert.Equal(["ImportAccountEntJSON", "CreateAccountJSON", "AddAccessJSON", "RemoveAccessJSON", "RemoveAccountJSON"],
            placeholder.Locations.Select(l => l.AttributeName));
    }

    [Fact]
    public void Substitute_ValueInsideJsonString_JsonEscaped()
    {
        var result = PlaceholderScanner.Substitute("{\"name\": \"@CORP@ corp\"}", new Dictionary<string, string> { ["@CORP@"] = "Ann \"The\" C:\\corp" });

        Assert.Equal("{\"name\": \"Ann \\\"The\\\" C:\\\\corp corp\"}", result.Text);
        Assert.Equal("Ann \"The\" C:\\corp corp", (string)JObject.Parse(result.Text)["name"]!);
        Assert.Equal(["@CORP@"], result.Replaced);
    }

    [Fact]
    public void Substitute_ValueInsideJsonInsideString_EscapedTwice()
    {
        const string text = "{\"httpParams\": \"{\\\"site\\\": \\\"@SITE@\\\"}\"}";

        var result = PlaceholderScanner.Substitute(text, new Dictionary<string, string> { ["SITE"] = "a\"b" });

        var inner = (string)JObject.Parse(result.Text)["httpParams"]!;
        Assert.Equal("a\"b", (string)JObject.Parse(inner)["site"]!);
    }

    [Fact]
    public void Substitute_BarePlaceholderOutsideString_InsertedAsIs()
    {
        var result = PlaceholderScanner.Substitute("{\"pageSize\": @PAGE_SIZE@}", new Dictionary<string, string> { ["@PAGE_SIZE@"] = "100" });

        Assert.Equal("{\"pageSize\": 100}", result.Text);
    }

    [Fact]
    public void Substitute_SameTokenManyTimes_ValueGivenOnce_AllReplacedAndMissingListed()
    {
        var result = PlaceholderScanner.Substitute(
            "{\"a\": \"https://@HOST_URL@/x\", \"b\": \"https://@HOST_URL@/y\", \"c\": \"@@TENANT@@\"}",
            new Dictionary<string, string> { ["@HOST_URL@"] = "api.example.com" });

        Assert.Equal("{\"a\": \"https://api.example.com/x\", \"b\": \"https://api.example.com/y\", \"c\": \"@@TENANT@@\"}", result.Text);
        Assert.Equal(["@@TENANT@@"], result.Missing);
    }

    [Fact]
    public void Substitute_PlainText_ReplacedWithoutEscaping()
    {
        Assert.Equal("host a\"b", PlaceholderScanner.Substitute("host @H@", new Dictionary<string, string> { ["@H@"] = "a\"b" }).Text);
    }

    [Fact]
    public void SubstituteInPackage_SignalSciences_EveryAttributeFilledAndStillJson()
    {
        var package = TransportTestData.ReadReal("Signal_Sciences");

        var filled = PlaceholderScanner.SubstituteInPackage(package, new Dictionary<string, string> { ["@CORPNAME@"] = "acme" });

        Assert.Empty(PlaceholderScanner.FindInPackage(filled));
        Assert.Contains("corps/acme/users", filled.Connections[0].GetAttribute("CreateAccountJSON")!.Value);
        Assert.True(filled.Connections[0].GetAttribute("ConnectionJSON")!.EncryptedElsewhere);
        Assert.All(filled.Connections[0].Attributes.Where(a => a.Kind == AttributeValueKind.Json), a => JToken.Parse(a.Value!));
    }
}

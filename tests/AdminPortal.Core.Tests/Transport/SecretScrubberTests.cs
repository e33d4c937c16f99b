using AdminPortal.Core.Transport;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Transport;

public class SecretScrubberTests
{
    [Theory]
    [InlineData("password", "@@PASSWORD@@")]
    [InlineData("client_secret", "@@CLIENT_SECRET@@")]
    [InlineData("clientSecret", "@@CLIENT_SECRET@@")]
    [InlineData("accessToken", "@@ACCESS_TOKEN@@")]
    [InlineData("access_token", "@@ACCESS_TOKEN@@")]
    [InlineData("refreshToken", "@@REFRESH_TOKEN@@")]
    [InlineData("refresh_token", "@@REFRESH_TOKEN@@")]
    [InlineData("apiKey", "@@API_KEY@@")]
    [InlineData("api_key", "@@API_KEY@@")]
    [InlineData("apiSecret", "@@API_SECRET@@")]
    [InlineData("secret", "@@SECRET@@")]
    [InlineData("token", "@@TOKEN@@")]
    [InlineData("x-api-token", "@@X_API_TOKEN@@")]
    [InlineData("PASSWORD", "@@PASSWORD@@")]
    [InlineData("Authorization", "@@AUTHORIZATION@@")]
    public void Scrub_SecretKey_ValueReplacedByPlaceholderNamedAfterKey(string key, string placeholder)
    {
        var text = "{\r\n  \"" + key + "\": \"v3ry-s3cret\",\r\n  \"other\": \"kept\"\r\n}";

        var result = SecretScrubber.Scrub(text);

        Assert.Equal("{\r\n  \"" + key + "\": \"" + placeholder + "\",\r\n  \"other\": \"kept\"\r\n}", result.Text);
        Assert.Equal(new ScrubbedSecret(key, placeholder), Assert.Single(result.Secrets));
    }

    [Fact]
    public void Scrub_TemplateReferences_LeftIntact()
    {
        const string text = "{\"httpHeaders\": {\"Authorization\": \"Bearer ${access_token}\", \"x-api-token\": \"${access_token}\"}, \"password\": \"${password}\"}";

        var result = SecretScrubber.Scrub(text);

        Assert.Equal(text, result.Text);
        Assert.False(result.Changed);
    }

    [Fact]
    public void Scrub_NestedObjectsAndArrays_SecretsReplacedAtAnyDepth()
    {
        const string text = "{\"a\": {\"b\": [{\"c\": {\"Password\": \"p1\"}}]}}";

        var result = SecretScrubber.Scrub(text);

        Assert.Equal("{\"a\": {\"b\": [{\"c\": {\"Password\": \"@@PASSWORD@@\"}}]}}", result.Text);
    }

    [Fact]
    public void Scrub_JsonInsideStringValue_ScrubbedAndReEscaped()
    {
        const string text = "{\"httpParams\": \"{\\\"user\\\": \\\"${user.username}\\\", \\\"password\\\": \\\"hunter2\\\"}\"}";

        var result = SecretScrubber.Scrub(text);

        var inner = (string)JObject.Parse(result.Text)["httpParams"]!;
        Assert.Equal("@@PASSWORD@@", (string)JObject.Parse(inner)["password"]!);
        Assert.Equal("${user.username}", (string)JObject.Parse(inner)["user"]!);
        Assert.DoesNotContain("hunter2", result.Text);
    }

    [Fact]
    public void Scrub_FormBodyAndQueryString_SecretPairsReplaced()
    {
        const string text = "{\"httpParams\": \"grant_type=password&username=svc&password=pw1&client_secret=cs1\", \"url\": \"https://x/api?api_key=k1&page=2\"}";

        var result = SecretScrubber.Scrub(text);

        Assert.Equal("{\"httpParams\": \"grant_type=password&username=svc&password=@@PASSWORD@@&client_secret=@@CLIENT_SECRET@@\", \"url\": \"https://x/api?api_key=@@API_KEY@@&page=2\"}", result.Text);
    }

    [Fact]
    public void Scrub_AuthorizationWithScheme_SchemeKept()
    {
        var result = SecretScrubber.Scrub("{\"Authorization\": \"Basic dXNlcjpwYXNz\"}");

        Assert.Equal("{\"Authorization\": \"Basic @@AUTHORIZATION@@\"}", result.Text);
    }

    [Fact]
    public void Scrub_SameKeyDifferentValues_NumberedPlaceholders()
    {
        var result = SecretScrubber.Scrub("{\"a\": {\"password\": \"one\"}, \"b\": {\"password\": \"two\"}, \"c\": {\"password\": \"one\"}}");

        Assert.Equal("{\"a\": {\"password\": \"@@PASSWORD@@\"}, \"b\": {\"password\": \"@@PASSWORD_2@@\"}, \"c\": {\"password\": \"@@PASSWORD@@\"}}", result.Text);
    }

    [Fact]
    public void Scrub_NumberSecret_ReplacedByStringPlaceholder()
    {
        Assert.Equal("{\"pin\": 1, \"apiKey\": \"@@API_KEY@@\"}", SecretScrubber.Scrub("{\"pin\": 1, \"apiKey\": 123456}").Text);
    }

    [Theory]
    [InlineData("{\"password\": \"\"}")]
    [InlineData("{\"password\": null}")]
    [InlineData("{\"password\": \"@PASSWORD@\"}")]
    [InlineData("{\"nextPageToken\": \"abc\", \"tokenType\": \"Bearer\", \"keyField\": \"accountID\", \"authHeaderName\": \"Authorization\"}")]
    [InlineData("F094T0v6WHOpHcSzOqzN/G0EOXMVamwB8u2E9ttQNJNH==")]
    public void Scrub_NothingSecret_TextUnchanged(string text)
    {
        var result = SecretScrubber.Scrub(text);

        Assert.Equal(text, result.Text);
        Assert.Empty(result.Secrets);
    }

    [Theory]
    [InlineData("SAP_Business_Technology_Platform")]
    [InlineData("Confluent")]
    [InlineData("INCONTACT")]
    [InlineData("Signal_Sciences")]
    [InlineData("Bynder")]
    public void Scrub_RealPackageAttributes_Unchanged(string name)
    {
        foreach (var attribute in TransportTestData.ReadReal(name).Connections[0].Attributes)
            Assert.Equal(attribute.Value ?? "", SecretScrubber.Scrub(attribute.Value).Text);
    }
}

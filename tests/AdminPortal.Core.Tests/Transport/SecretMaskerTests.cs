using AdminPortal.Core.Transport;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Transport;

public class SecretMaskerTests
{
    private const string Stored = "{\r\n  \"authentications\": {\r\n    \"acctAuth\": {\r\n      \"authType\": \"oauth2\",\r\n"
        + "      \"httpParams\": \"{\\\"grant_type\\\":\\\"client_credentials\\\",\\\"client_secret\\\":\\\"s3cr3t-value\\\"}\",\r\n"
        + "      \"properties\": { \"userName\": \"svc\", \"password\": \"pa55word!\" },\r\n"
        + "      \"refreshBody\": \"grant_type=refresh_token&refresh_token=rt-12345&scope=all\",\r\n"
        + "      \"accessToken\": \"Bearer eyJ.abc.def\",\r\n"
        + "      \"apiKey\": 123456789,\r\n"
        + "      \"clientSecret\": \"${connection.other}\"\r\n    }\r\n  }\r\n}";

    [Fact]
    public void MaskSecrets_HidesEverySecretKeepsLayoutAndReferences()
    {
        var (masked, count) = SecretMasker.MaskSecrets(Stored);

        Assert.Equal(5, count);
        foreach (var secret in new[] { "s3cr3t-value", "pa55word!", "rt-12345", "eyJ.abc.def", "123456789" })
            Assert.DoesNotContain(secret, masked);
        Assert.Contains("\"accessToken\": \"Bearer ••••••••\"", masked);
        Assert.Contains("\"clientSecret\": \"${connection.other}\"", masked);
        Assert.Contains("\"userName\": \"svc\"", masked);
        Assert.Contains("refresh_token=••••••••&scope=all", masked);
        Assert.Contains("\r\n", masked);
        Assert.NotNull(JToken.Parse(masked));
    }

    [Fact]
    public void MergeBack_UnchangedMaskedDocument_GivesTheStoredTextByteForByte()
    {
        var (masked, _) = SecretMasker.MaskSecrets(Stored);

        var merged = SecretMasker.MergeBack("ConnectionJSON", masked, Stored);

        Assert.True(merged.Succeeded, string.Join("; ", merged.Errors));
        Assert.Equal(Stored, merged.Text);
    }

    [Fact]
    public void MergeBack_OtherFieldsEditedSecretsMasked_KeepsRealSecretsAndTheEdits()
    {
        var (masked, _) = SecretMasker.MaskSecrets(Stored);
        var edited = masked.Replace("\"svc\"", "\"svc2\"").Replace("scope=all", "scope=read");

        var merged = SecretMasker.MergeBack("ConnectionJSON", edited, Stored);

        Assert.True(merged.Succeeded, string.Join("; ", merged.Errors));
        var profile = JToken.Parse(merged.Text!)["authentications"]!["acctAuth"]!;
        Assert.Equal("pa55word!", (string?)profile["properties"]!["password"]);
        Assert.Equal("svc2", (string?)profile["properties"]!["userName"]);
        Assert.Equal("Bearer eyJ.abc.def", (string?)profile["accessToken"]);
        Assert.Equal(123456789L, (long)profile["apiKey"]!);
        Assert.Equal("grant_type=refresh_token&refresh_token=rt-12345&scope=read", (string?)profile["refreshBody"]);
        Assert.Equal("s3cr3t-value", (string?)JToken.Parse((string)profile["httpParams"]!)["client_secret"]);
    }

    [Fact]
    public void MergeBack_SecretReplacedByNewValue_NewValueSaved()
    {
        var (masked, _) = SecretMasker.MaskSecrets(Stored);
        var edited = masked.Replace("\"password\": \"••••••••\"", "\"password\": \"new-pass\"");

        var merged = SecretMasker.MergeBack("ConnectionJSON", edited, Stored);

        Assert.True(merged.Succeeded);
        Assert.Equal("new-pass", (string?)JToken.Parse(merged.Text!)["authentications"]!["acctAuth"]!["properties"]!["password"]);
    }

    [Fact]
    public void MergeBack_MaskMovedToAnotherKey_Refused()
    {
        var (masked, _) = SecretMasker.MaskSecrets(Stored);
        var edited = masked.Replace("\"password\": \"••••••••\"", "\"adminPassword\": \"••••••••\"");

        var merged = SecretMasker.MergeBack("ConnectionJSON", edited, Stored);

        Assert.False(merged.Succeeded);
        Assert.Null(merged.Text);
        Assert.Contains("$.authentications.acctAuth.properties.adminPassword", Assert.Single(merged.Errors));
    }

    [Fact]
    public void MergeBack_MaskPartlyEdited_Refused()
    {
        var (masked, _) = SecretMasker.MaskSecrets(Stored);
        var edited = masked.Replace("\"Bearer ••••••••\"", "\"Basic ••••••••\"");

        Assert.False(SecretMasker.MergeBack("ConnectionJSON", edited, Stored).Succeeded);
    }

    [Fact]
    public void MergeBack_MaskUnderNonSecretKey_Refused()
    {
        var merged = SecretMasker.MergeBack("ConnectionJSON", "{\"url\":\"••••••••\"}", Stored);

        Assert.False(merged.Succeeded);
        Assert.Contains("no secret is expected", Assert.Single(merged.Errors));
    }

    [Fact]
    public void MergeBack_NoStoredVersion_Refused()
    {
        Assert.False(SecretMasker.MergeBack("ConnectionJSON", "{\"password\":\"••••••••\"}", null).Succeeded);
    }

    [Fact]
    public void MergeBack_TextWithoutMask_ReturnedUnchanged()
    {
        var merged = SecretMasker.MergeBack("ConnectionJSON", "{\"password\":\"typed\"}", Stored);

        Assert.Equal("{\"password\":\"typed\"}", merged.Text);
    }
}

using System.IO.Compression;
using System.Text;
using AdminPortal.Core.Transport;
using Newtonsoft.Json.Linq;
using static AdminPortal.Core.Tests.Transport.TransportTestData;

namespace AdminPortal.Core.Tests.Transport;

public class TransportPackageWriterTests
{
    public static TheoryData<string> Packages => [.. RealPackages];

    private static byte[] WriteBytes(TransportPackage package, TransportWriteOptions? options = null)
    {
        var ms = new MemoryStream();
        TransportPackageWriter.Write(package, ms, options);
        return ms.ToArray();
    }

    [Theory]
    [MemberData(nameof(Packages))]
    public void Write_RealPackageReadBack_GivesEqualModelAndByteIdenticalAttributes(string name)
    {
        var first = ReadReal(name);

        var written = WriteBytes(first);
        var second = Read(written);

        Assert.True(first.HasSameContentAs(second));
        Assert.Equal(first.Manifest, second.Manifest);
        Assert.Equal(first.Connections, second.Connections);
        var original = OriginalAttributeValues(RealZip(name));
        var reread = second.Connections.SelectMany(c => c.Attributes).ToList();
        Assert.Equal(original.Count, reread.Count);
        for (var i = 0; i < original.Count; i++)
            Assert.Equal(Encoding.UTF8.GetBytes(original[i] ?? ""), Encoding.UTF8.GetBytes(reread[i].Value ?? ""));
    }

    [Theory]
    [MemberData(nameof(Packages))]
    public void Write_SecondRoundTrip_ProducesIdenticalBytes(string name)
    {
        var once = WriteBytes(ReadReal(name));
        var twice = WriteBytes(Read(once));

        Assert.Equal(once, twice);
    }

    [Fact]
    public void Write_RealPackage_UsesSaviyntFileNamesWithManifestTimestamp()
    {
        var ms = new MemoryStream();
        var result = TransportPackageWriter.Write(ReadReal("Confluent"), ms);

        Assert.Equal(["ObjectSummary_2023-03-24_11-31-55(UTC).json", "Connection_2023-03-24_11-31-55(UTC).json"], result.EntryNames);
        using var archive = new ZipArchive(new MemoryStream(ms.ToArray()));
        Assert.Equal(result.EntryNames, archive.Entries.Select(e => e.FullName));
        Assert.Empty(result.Scrubbed);
        Assert.Matches("^[0-9a-f]{64}$", result.Sha256);
    }

    [Fact]
    public void Write_PackageWithEveryKind_ReadsBackEqual()
    {
        var manifest = TransportManifest.Create("jane.doe", "portal.example.com", new DateTime(2025, 5, 6, 7, 8, 9, DateTimeKind.Utc), Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"));
        var connection = PackagedConnection.Create("Bynder", "Bynder DAM", "REST",
        [
            new("ConnectionJSON", "{\"authentications\": {\"acctAuth\": {\"authType\": \"Bearer\", \"accessToken\": \"Bearer ${access_token}\"}}}"),
            new("ImportUserJSON", ""),
            new("CreateAccountJSON", "{\r\n  \"call\": []\r\n}"),
            new("UNKNOWN_ATTR", null),
        ]);
        var system = PackagedSecuritySystem.Create("Bynder", "Bynder", "Bynder", "Bynder", true, "DAM");
        var endpoint = PackagedEndpoint.Create("Bynder", "Bynder", "Bynder", "admin", "${user.email}", null,
            [new PackagedEntitlementType("Group", 1, [new("customproperty1", "Description")])]);
        var template = new PackagedEmailTemplate("Welcome", [PackagedField.FromString("subjectfld", "Hi"), PackagedField.FromBoolean("contentAsHtml", true)]);
        var package = TransportPackage.ForExport(manifest, [connection], [system], [endpoint], [template]);

        var reread = Read(WriteBytes(package));

        Assert.True(package.HasSameContentAs(reread));
        Assert.Equal(["connection", "emailTemplate", "securitySystems", "endpoints"], reread.Manifest.Objects.Select(o => o.Kind));
        Assert.Equal("jane.doe", reread.Manifest.ExportedBy);
        Assert.Equal("2025-05-06_07-08-09", reread.Manifest.Timestamp);
        Assert.Equal("Group", Assert.Single(reread.Endpoints[0].EntitlementTypes).Name);
        Assert.True(reread.SecuritySystems[0].InstantProvisioning);
    }

    [Fact]
    public void Write_SeededSecrets_NeverAppearInAnyWrittenByte()
    {
        string[] secrets =
        [
            "S3cr3t-Pa55word!", "cs-9f8e7d6c5b4a", "AKIA-api-key-0042", "dXNlcjpwYXNzd29yZA==", "rt-abc123xyz",
            "nested-Hunter2", "form-secret-777", "tok-static-31337", "vault-pass-555", "obj-secret-888",
        ];
        var connectionJson = """
            {
              "authentications": {
                "acctAuth": {
                  "authType": "oauth2",
                  "url": "https://login.example.com/token",
                  "httpParams": {"grant_type": "refresh_token", "client_id": "portal", "client_secret": "cs-9f8e7d6c5b4a", "refresh_token": "rt-abc123xyz"},
                  "httpHeaders": {"Authorization": "Basic dXNlcjpwYXNzd29yZA==", "Accept": "application/json"},
                  "properties": {"userName": "svc", "password": "S3cr3t-Pa55word!"},
                  "accessToken": "Bearer tok-static-31337",
                  "authHeaderName": "Authorization"
                },
                "keyAuth": {"authType": "APIKey", "apiKey": "AKIA-api-key-0042", "body": "grant_type=password&username=svc&password=form-secret-777"}
              }
            }
            """;
        var createAccount = "{\"call\": [{\"name\": \"call1\", \"httpHeaders\": {\"Authorization\": \"${access_token}\"}, \"httpParams\": \"{\\\"userName\\\": \\\"${user.username}\\\", \\\"password\\\": \\\"nested-Hunter2\\\", \\\"initialPassword\\\": \\\"${password}\\\"}\"}]}";
        var connection = PackagedConnection.Create("demo", "", "REST", [new("ConnectionJSON", connectionJson), new("CreateAccountJSON", createAccount)]);
        var fields = connection.Fields
            .Select(f => f.Name == "vaultConfig" ? PackagedField.FromString("vaultConfig", "{\"vaultPassword\": \"vault-pass-555\"}") : f)
            .Select(f => f.Name == "credentialChangeConfig" ? new PackagedField("credentialChangeConfig", "{\"nested\":{\"secret\":\"obj-secret-888\"}}") : f)
            .ToList();
        var package = TransportPackage.ForExport(
            TransportManifest.Create("admin", "portal", new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), Guid.NewGuid()),
            [connection with { Fields = fields }]);

        var ms = new MemoryStream();
        var result = TransportPackageWriter.Write(package, ms);
        var zip = ms.ToArray();

        foreach (var (entry, bytes) in AllBytes(zip))
        {
            foreach (var secret in secrets)
            {
                Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes(secret)) < 0, $"secret '{secret}' found in {entry}");
            }
        }

        var written = Read(zip).Connections[0];
        var scrubbedConnectionJson = written.GetAttribute("ConnectionJSON")!.Value!;
        Assert.Contains("@@CLIENT_SECRET@@", scrubbedConnectionJson);
        Assert.Contains("@@PASSWORD@@", scrubbedConnectionJson);
        Assert.Contains("\"Basic @@AUTHORIZATION@@\"", scrubbedConnectionJson);
        Assert.Contains("\"Bearer @@ACCESS_TOKEN@@\"", scrubbedConnectionJson);
        Assert.Contains("\"authHeaderName\": \"Authorization\"", scrubbedConnectionJson);
        var create = written.GetAttribute("CreateAccountJSON")!.Value!;
        Assert.Contains("${access_token}", create);
        Assert.Contains("${password}", create);
        Assert.Contains(result.Scrubbed, s => s.AttributeName == "vaultConfig" && s.Placeholder == "@@VAULT_PASSWORD@@");
        Assert.All(result.Scrubbed, s => Assert.Equal("demo", s.ConnectionName));
    }

    [Fact]
    public void Write_ScrubSecretsOff_KeepsValues()
    {
        var connection = PackagedConnection.Create("demo", "", "REST", [new("ConnectionJSON", "{\"password\": \"keep-me\"}")]);
        var package = TransportPackage.ForExport(TransportManifest.Create("admin", "portal", DateTime.UtcNow, Guid.NewGuid()), [connection]);

        var reread = Read(WriteBytes(package, new TransportWriteOptions { ScrubSecrets = false }));

        Assert.Equal("{\"password\": \"keep-me\"}", reread.Connections[0].Attributes[0].Value);
    }

    [Fact]
    public void Write_TwoConnectionsWithSameName_ThrowsArgumentException()
    {
        var c = PackagedConnection.Create("demo", "", "REST", []);
        var package = TransportPackage.ForExport(TransportManifest.Create("admin", "portal", DateTime.UtcNow, Guid.NewGuid()), [c, c]);

        var ex = Assert.Throws<ArgumentException>(() => WriteBytes(package));
        Assert.Contains("Duplicate connection 'demo'", ex.Message);
    }

    [Fact]
    public void SuggestPackageFileName_UserAndTime_SaviyntPattern()
    {
        Assert.Equal("transport_jane_doe_2025-05-06_07-08-09(UTC).zip",
            TransportFileNames.SuggestPackageFileName("jane doe", new DateTime(2025, 5, 6, 7, 8, 9, DateTimeKind.Utc)));
    }

    private static List<string?> OriginalAttributeValues(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        var entry = archive.Entries.Single(e => e.Name.StartsWith("Connection_", StringComparison.Ordinal));
        using var reader = new StreamReader(entry.Open());
        var root = JObject.Parse(reader.ReadToEnd());
        return [.. root.Properties().SelectMany(p => (JArray)p.Value["EXTERNAL_ATTR"]!).Select(r => (string?)r["encryptedattributevalue"])];
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}

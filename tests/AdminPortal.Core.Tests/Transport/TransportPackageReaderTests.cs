using System.IO.Compression;
using System.Text;
using AdminPortal.Core.Transport;
using Newtonsoft.Json.Linq;
using static AdminPortal.Core.Tests.Transport.TransportTestData;

namespace AdminPortal.Core.Tests.Transport;

public class TransportPackageReaderTests
{
    public static TheoryData<string> Packages => [.. RealPackages];

    [Theory]
    [MemberData(nameof(Packages))]
    public void Read_RealSaviyntPackage_OneConnectionWithEncryptedConnectionJsonAndParsedAttributes(string name)
    {
        var package = ReadReal(name);

        var connection = Assert.Single(package.Connections);
        Assert.Equal("REST", connection.ConnectionType);
        Assert.Equal(24, connection.Attributes.Count);
        var connectionJson = connection.GetAttribute("ConnectionJSON")!;
        Assert.True(connectionJson.EncryptedElsewhere);
        Assert.True(connection.ConnectionJsonNeedsEntry);
        foreach (var attribute in connection.Attributes.Where(a => a.Name != "ConnectionJSON"))
        {
            Assert.Equal(string.IsNullOrEmpty(attribute.Value) ? AttributeValueKind.Empty : AttributeValueKind.Json, attribute.Kind);
            if (!attribute.IsEmpty)
                JToken.Parse(attribute.Value!);
        }

        Assert.Contains(connection.Attributes, a => a.Kind == AttributeValueKind.Json);
        Assert.Equal("admin", package.Manifest.ExportedBy);
        Assert.Equal(connection.Name, Assert.Single(package.Manifest.NamesOf("connection")));
        Assert.Matches("^[0-9a-f]{64}$", package.Sha256);
        Assert.Empty(package.Skipped);
    }

    [Fact]
    public void Read_RealSaviyntPackage_KeepsEveryFieldAndRowInPayloadOrder()
    {
        var package = ReadReal("Bynder");
        var connection = package.Connections[0];

        using var archive = new ZipArchive(new MemoryStream(RealZip("Bynder")));
        var entry = archive.Entries.Single(e => e.Name.StartsWith("Connection_", StringComparison.Ordinal));
        using var reader = new StreamReader(entry.Open());
        var original = (JObject)JObject.Parse(reader.ReadToEnd())["bynder"]!;

        Assert.Equal(original.Properties().Select(p => p.Name).Where(n => n != "EXTERNAL_ATTR"), connection.Fields.Select(f => f.Name));
        var rows = (JArray)original["EXTERNAL_ATTR"]!;
        Assert.Equal(rows.Select(r => (string)r["attributename"]!), connection.Attributes.Select(a => a.Name));
        Assert.Equal(rows.Select(r => (string?)r["encryptedattributevalue"]), connection.Attributes.Select(a => a.Value));
        Assert.Equal("Bynder", connection.TemplateName);
        Assert.Equal("bynder", connection.ConnectionName);
        Assert.Equal("0f2d0dfb-5c22-4c99-8377-6e7c72d5b9be", package.Manifest.Guid);
        Assert.Equal(new DateTime(2023, 6, 16, 8, 20, 45, DateTimeKind.Utc), package.Manifest.ExportedOnUtc);
        Assert.Equal("scrum-exchange.saviyntcloud.com", package.Manifest.System);
        Assert.Equal("2023-06-16_08-20-45", package.Manifest.Timestamp);
        Assert.False(package.Manifest.TransferOwners);
    }

    [Fact]
    public void Read_ConfluentPackage_MatchesFilesInsideFolderAndIgnoresMacOsMetadata()
    {
        var package = ReadReal("Confluent");

        Assert.Equal("Confluent", package.Connections[0].Name);
        Assert.Contains("__MACOSX/._Confluent", package.IgnoredEntries);
        Assert.Contains("__MACOSX/Confluent/._Connection_2023-03-24_11-31-55(UTC).json", package.IgnoredEntries);
        Assert.Contains("Confluent/", package.IgnoredEntries);
    }

    [Fact]
    public void Read_NotAZip_RejectedAsNotAZip()
    {
        var ex = Reject(Encoding.UTF8.GetBytes("this is a text file, not a zip"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(TransportErrorCode.NotAZip, error.Code);
        Assert.Equal("test.zip", error.Entry);
        Assert.StartsWith("test.zip: not a zip archive", error.Message);
    }

    [Fact]
    public void Read_EntryWithDotDot_RejectedAsPathTraversal()
    {
        var zip = Zip((ManifestName, Manifest()), ("../" + ConnectionName, Connection()));

        var error = Assert.Single(Reject(zip).Errors);
        Assert.Equal(TransportErrorCode.PathTraversal, error.Code);
        Assert.Equal("../" + ConnectionName, error.Entry);
        Assert.Contains("climbs out of the package folder", error.Message);
    }

    [Fact]
    public void Read_BackslashDotDotInsideName_RejectedAsPathTraversal()
    {
        var zip = Zip((ManifestName, Manifest()), ("export\\..\\..\\" + ConnectionName, Connection()));

        Assert.Equal(TransportErrorCode.PathTraversal, Assert.Single(Reject(zip).Errors).Code);
    }

    [Theory]
    [InlineData("C:/saviynt_conf/saviynt/reports/Transport/Export/admin/")]
    [InlineData("/saviynt_shared/export/")]
    [InlineData("\\\\server\\share\\export\\")]
    public void Read_AbsolutePathEntries_AcceptedByBaseName(string folder)
    {
        var zip = Zip((folder + ManifestName, Manifest()), (folder + ConnectionName, Connection()));

        var package = Read(zip);

        Assert.Equal("demo", Assert.Single(package.Connections).Name);
    }

    [Fact]
    public void Read_SymbolicLinkEntry_RejectedAsSymbolicLink()
    {
        var zip = ZipBytes(
            (ManifestName, Encoding.UTF8.GetBytes(Manifest()), null),
            (ConnectionName, Encoding.UTF8.GetBytes("/etc/passwd"), e => e.ExternalAttributes = unchecked((int)0xA1FF0000)));

        var error = Assert.Single(Reject(zip).Errors);
        Assert.Equal(TransportErrorCode.SymbolicLink, error.Code);
        Assert.Equal($"{ConnectionName}: entry is a symbolic link; links are not accepted in packages", error.Message);
    }

    [Fact]
    public void Read_MoreEntriesThanLimit_RejectedAsTooManyEntries()
    {
        var zip = Zip((ManifestName, Manifest()), (ConnectionName, Connection()), ("a.txt", "a"), ("b.txt", "b"));

        var error = Assert.Single(Reject(zip, new TransportLimits { MaxEntries = 3 }).Errors);
        Assert.Equal(TransportErrorCode.TooManyEntries, error.Code);
        Assert.Equal("test.zip: the package has 4 entries; at most 3 are accepted", error.Message);
    }

    [Fact]
    public void Read_PackageLargerThanLimit_RejectedAsPackageTooLarge()
    {
        var error = Assert.Single(Reject(ValidZip(Connection()), new TransportLimits { MaxPackageBytes = 100 }).Errors);

        Assert.Equal(TransportErrorCode.PackageTooLarge, error.Code);
    }

    [Fact]
    public void Read_ZipBombOf200MegabytesOfZeros_RejectedAsCompressionRatioExceeded()
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var s = zip.CreateEntry(ManifestName).Open())
                s.Write(Encoding.UTF8.GetBytes(Manifest()));
            using var bomb = zip.CreateEntry(ConnectionName, CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 200; i++)
                bomb.Write(zeros);
        }

        var error = Assert.Single(Reject(ms.ToArray()).Errors);

        Assert.Equal(TransportErrorCode.CompressionRatioExceeded, error.Code);
        Assert.Equal(ConnectionName, error.Entry);
        Assert.Contains("looks like a zip bomb", error.Message);
    }

    [Fact]
    public void Read_TotalUncompressedAboveLimit_RejectedAsTotalSizeExceeded()
    {
        var error = Assert.Single(Reject(ValidZip(Connection()), new TransportLimits { MaxTotalUncompressedBytes = 400 }).Errors);

        Assert.Equal(TransportErrorCode.TotalSizeExceeded, error.Code);
        Assert.Contains("expands to more than 400 bytes", error.Message);
    }

    [Fact]
    public void Read_InvalidUtf8_RejectedNamingEntryLineAndPosition()
    {
        var bytes = Encoding.UTF8.GetBytes(Connection()).ToList();
        var at = bytes.IndexOf((byte)'R');
        bytes.Insert(at, 0xC3);
        bytes.Insert(at + 1, 0x28);
        var zip = ZipBytes((ManifestName, Encoding.UTF8.GetBytes(Manifest()), null), (ConnectionName, bytes.ToArray(), null));

        var error = Assert.Single(Reject(zip).Errors);

        Assert.Equal(TransportErrorCode.InvalidUtf8, error.Code);
        Assert.Equal(ConnectionName, error.Entry);
        Assert.Equal(4, error.Line);
        Assert.StartsWith($"{ConnectionName}: not valid UTF-8", error.Message);
    }

    [Fact]
    public void Read_PayloadNotJson_RejectedAsInvalidJson()
    {
        var error = Assert.Single(Reject(ValidZip("connection: demo\nthis is yaml")).Errors);

        Assert.Equal(TransportErrorCode.InvalidJson, error.Code);
        Assert.Equal(ConnectionName, error.Entry);
        Assert.Equal(1, error.Line);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void Read_PayloadWithDuplicateKey_RejectedNamingKeyAndLine()
    {
        var json = "{\n  \"demo\": {\n    \"status\": 1,\n    \"status\": 0,\n    \"EXTERNAL_ATTR\": []\n  }\n}";

        var error = Assert.Single(Reject(ValidZip(json)).Errors);

        Assert.Equal(TransportErrorCode.DuplicateKey, error.Code);
        Assert.Equal("status", error.Field);
        Assert.Equal(4, error.Line);
        Assert.Contains("duplicate key 'status'", error.Message);
    }

    [Fact]
    public void Read_AttributeJsonWithDuplicateKey_RejectedNamingConnectionAndAttribute()
    {
        var json = Connection("demo", Row("CreateAccountJSON", "{\r\n  \"call\": [],\r\n  \"call\": []\r\n}"));

        var error = Assert.Single(Reject(ValidZip(json)).Errors);

        Assert.Equal(TransportErrorCode.DuplicateKey, error.Code);
        Assert.Equal("connection 'demo', attribute 'CreateAccountJSON'", error.Field);
        Assert.Equal(3, error.Line);
        Assert.Contains("duplicate key 'call'", error.Message);
    }

    [Fact]
    public void Read_NestingDeeperThanLimit_RejectedAsNestingTooDeep()
    {
        var deep = new string('[', 100) + new string(']', 100);
        var json = "{\"demo\": {\"vaultConfig\": " + deep + ", \"EXTERNAL_ATTR\": []}}";

        var error = Assert.Single(Reject(ValidZip(json)).Errors);

        Assert.Equal(TransportErrorCode.NestingTooDeep, error.Code);
        Assert.Equal(ConnectionName, error.Entry);
        Assert.Contains("JSON nesting deeper than 64 levels", error.Message);
    }

    [Fact]
    public void Read_AttributeNestedDeeperThanLimit_RejectedNamingAttribute()
    {
        var json = Connection("demo", Row("ConfigJSON", new string('[', 20) + new string(']', 20)));

        var error = Assert.Single(Reject(ValidZip(json), new TransportLimits { MaxJsonDepth = 10 }).Errors);

        Assert.Equal(TransportErrorCode.NestingTooDeep, error.Code);
        Assert.Equal("connection 'demo', attribute 'ConfigJSON'", error.Field);
    }

    [Fact]
    public void Read_AttributeLargerThanLimit_RejectedAsAttributeTooLarge()
    {
        var json = Connection("demo", Row("ImportAccountEntJSON", "{\"x\": \"" + new string('a', 500) + "\"}"));

        var error = Assert.Single(Reject(ValidZip(json), new TransportLimits { MaxAttributeBytes = 256 }).Errors);

        Assert.Equal(TransportErrorCode.AttributeTooLarge, error.Code);
        Assert.Equal($"{ConnectionName}: connection 'demo', attribute 'ImportAccountEntJSON': the value is 509 bytes; at most 256 are accepted", error.Message);
    }

    [Fact]
    public void Read_JsonAttributeThatDoesNotParse_RejectedNamingConnectionAttributeLineAndPosition()
    {
        var json = Connection("demo", Row("ConnectionJSON", "QUJD"), Row("CreateAccountJSON", "{\r\n  \"call\": [\r\n    {\"name\": }\r\n  ]\r\n}"));

        var error = Assert.Single(Reject(ValidZip(json)).Errors);

        Assert.Equal(TransportErrorCode.InvalidAttributeJson, error.Code);
        Assert.Equal(ConnectionName, error.Entry);
        Assert.Equal("connection 'demo', attribute 'CreateAccountJSON'", error.Field);
        Assert.Equal(3, error.Line);
        Assert.NotNull(error.Position);
        Assert.StartsWith($"{ConnectionName}: connection 'demo', attribute 'CreateAccountJSON': not valid JSON", error.Message);
    }

    [Fact]
    public void Read_SeveralBadAttributes_ReportsEveryErrorAndReturnsNothing()
    {
        var json = Connection("demo", Row("CreateAccountJSON", "{"), Row("UpdateAccountJSON", "nope"), Row("ImportUserJSON", ""));

        var ex = Reject(ValidZip(json));

        Assert.Equal(["connection 'demo', attribute 'CreateAccountJSON'", "connection 'demo', attribute 'UpdateAccountJSON'"], ex.Errors.Select(e => e.Field));
        Assert.Contains("CreateAccountJSON", ex.Message);
    }

    [Fact]
    public void Read_ConnectionJsonCiphertext_KeptAsEncryptedElsewhere()
    {
        var json = Connection("demo", Row("ConnectionJSON", "F094T0v6WHOpHcSzOqzN/G0EOXMVamwB8u2E9ttQNJNH=="));

        var attribute = Read(ValidZip(json)).Connections[0].Attributes[0];

        Assert.Equal(AttributeValueKind.EncryptedElsewhere, attribute.Kind);
        Assert.Equal("F094T0v6WHOpHcSzOqzN/G0EOXMVamwB8u2E9ttQNJNH==", attribute.Value);
    }

    [Fact]
    public void Read_ConnectionJsonClearJson_KeptAsJson()
    {
        var json = Connection("demo", Row("ConnectionJSON", "{\"authentications\": {}}"));

        Assert.Equal(AttributeValueKind.Json, Read(ValidZip(json)).Connections[0].Attributes[0].Kind);
    }

    [Fact]
    public void Read_ConnectionJsonBrokenJson_RejectedAsInvalidAttributeJson()
    {
        var json = Connection("demo", Row("ConnectionJSON", "{\"authentications\": "));

        Assert.Equal(TransportErrorCode.InvalidAttributeJson, Assert.Single(Reject(ValidZip(json)).Errors).Code);
    }

    [Fact]
    public void Read_EmptyAndUnknownAttributes_KeptInOrderWithNullValue()
    {
        var json = Connection("demo", Row("ConnectionJSON", ""), Row("SOME_FUTURE_ATTR", null), Row("ImportUserJSON", "  "));

        var attributes = Read(ValidZip(json)).Connections[0].Attributes;

        Assert.Equal(["ConnectionJSON", "SOME_FUTURE_ATTR", "ImportUserJSON"], attributes.Select(a => a.Name));
        Assert.All(attributes, a => Assert.Equal(AttributeValueKind.Empty, a.Kind));
        Assert.Null(attributes[1].Value);
        Assert.Equal("  ", attributes[2].Value);
    }

    [Fact]
    public void Read_DuplicateAttributeRow_RejectedAsDuplicateKey()
    {
        var json = Connection("demo", Row("ImportUserJSON", ""), Row("ImportUserJSON", "{}"));

        var error = Assert.Single(Reject(ValidZip(json)).Errors);

        Assert.Equal(TransportErrorCode.DuplicateKey, error.Code);
        Assert.Contains("appears more than once", error.Message);
    }

    [Fact]
    public void Read_NoManifest_RejectedAsManifestMissing()
    {
        var error = Assert.Single(Reject(Zip((ConnectionName, Connection()))).Errors);

        Assert.Equal(TransportErrorCode.ManifestMissing, error.Code);
        Assert.Contains("ObjectSummary_<yyyy-MM-dd_HH-mm-ss>(UTC).json", error.Message);
    }

    [Fact]
    public void Read_TwoManifests_RejectedAsManifestAmbiguous()
    {
        var zip = Zip((ManifestName, Manifest()), ("other/" + ManifestName, Manifest()), (ConnectionName, Connection()));

        Assert.Equal(TransportErrorCode.ManifestAmbiguous, Assert.Single(Reject(zip).Errors).Code);
    }

    [Fact]
    public void Read_ManifestWithoutObjects_RejectedAsUnexpectedShape()
    {
        var zip = Zip((ManifestName, "{\"Information\": {}}"), (ConnectionName, Connection()));

        var error = Assert.Single(Reject(zip).Errors);
        Assert.Equal(TransportErrorCode.UnexpectedShape, error.Code);
        Assert.Equal("Objects", error.Field);
    }

    [Fact]
    public void Read_ManifestNamesKindWhosePayloadIsMissing_RejectedNamingKindAndObjects()
    {
        var zip = Zip((ManifestName, Manifest("\"connection\": [\"demo\"], \"emailTemplate\": [\"Welcome\", \"Bye\"]")), (ConnectionName, Connection()));

        var error = Assert.Single(Reject(zip).Errors);

        Assert.Equal(TransportErrorCode.PayloadMissing, error.Code);
        Assert.Equal(ManifestName, error.Entry);
        Assert.Equal($"{ManifestName}: emailTemplate: the manifest lists emailTemplate [Welcome, Bye] but the package has no EmailTemplate_{Ts}(UTC).json", error.Message);
    }

    [Fact]
    public void Read_ManifestNamesConnectionNotInPayload_RejectedAsObjectMissing()
    {
        var zip = Zip((ManifestName, Manifest("\"connection\": [\"demo\", \"ghost\"]")), (ConnectionName, Connection()));

        var error = Assert.Single(Reject(zip).Errors);

        Assert.Equal(TransportErrorCode.ObjectMissing, error.Code);
        Assert.Contains("[ghost]", error.Message);
    }

    [Fact]
    public void Read_PayloadObjectNotInManifest_RejectedAsObjectNotInManifest()
    {
        var zip = Zip((ManifestName, Manifest("\"connection\": []")), (ConnectionName, Connection()));

        var error = Assert.Single(Reject(zip).Errors);

        Assert.Equal(TransportErrorCode.ObjectNotInManifest, error.Code);
        Assert.Equal("demo", error.Field);
    }

    [Fact]
    public void Read_UnsupportedKinds_ListedAsSkippedWithReason()
    {
        var zip = Zip(
            (ManifestName, Manifest("\"connection\": [\"demo\"], \"workflows\": [\"Approve\"], \"savRoles\": [\"ROLE_X\", \"ROLE_Y\"], \"fancyNewKind\": [\"z\"]")),
            (ConnectionName, Connection()),
            ($"Workflow_Approve_{Ts}(UTC).wf", "{\"JSONDATA\": {}}"));

        var package = Read(zip);

        Assert.Equal(
            [("workflows", "Approve"), ("savRoles", "ROLE_X"), ("savRoles", "ROLE_Y"), ("fancyNewKind", "z")],
            package.Skipped.Select(s => (s.Kind, s.Name)));
        Assert.All(package.Skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
        Assert.Contains("not supported", package.Skipped[^1].Reason);
        Assert.Contains($"Workflow_Approve_{Ts}(UTC).wf", package.IgnoredEntries);
    }

    [Fact]
    public void Read_EmailTemplates_ParsedWithEveryField()
    {
        var templates = "{\"Welcome\": {\"id\": 7, \"subjectfld\": \"Hi ${user.firstname}\", \"templatecontent\": \"<p>Hello</p>\", \"tofld\": \"${user.email}\", \"ccfld\": null, \"bccfld\": \"\", \"fromfld\": \"noreply@example.com\", \"contentAsHtml\": true, \"isAdvHtmlCss\": false}}";
        var zip = Zip((ManifestName, Manifest("\"emailTemplate\": [\"Welcome\"]")), ($"EmailTemplate_{Ts}(UTC).json", templates));

        var template = Assert.Single(Read(zip).EmailTemplates);

        Assert.Equal("Welcome", template.Name);
        Assert.Equal("Hi ${user.firstname}", template.Subject);
        Assert.Equal("<p>Hello</p>", template.Content);
        Assert.Equal("noreply@example.com", template.From);
        Assert.True(template.ContentAsHtml);
        Assert.Equal(9, template.Fields.Count);
    }

    [Fact]
    public void Read_SecuritySystemsAndEndpoints_ParsedInOurFormat()
    {
        var systems = "{\"Bynder\": {\"systemname\": \"Bynder\", \"displayname\": \"Bynder DAM\", \"connectionname\": \"bynder\", \"provisioningconnection\": \"bynder\", \"instantprovisioning\": true, \"description\": \"\"}}";
        var endpoints = "{\"Bynder\": {\"endpointname\": \"Bynder\", \"displayname\": \"Bynder\", \"securitysystem\": \"Bynder\", \"owner\": \"admin\", \"accountnamerule\": \"${user.email}\", \"description\": null, \"entitlementtypes\": [{\"name\": \"Group\", \"order\": 0, \"custompropertylabels\": {\"customproperty1\": \"Description\"}}]}}";
        var zip = Zip(
            (ManifestName, Manifest("\"securitySystems\": [\"Bynder\"], \"endpoints\": [\"Bynder\"]")),
            ($"SecuritySystem_{Ts}(UTC).json", systems),
            ($"Endpoint_{Ts}(UTC).json", endpoints));

        var package = Read(zip);

        var system = Assert.Single(package.SecuritySystems);
        Assert.Equal("bynder", system.ConnectionName);
        Assert.True(system.InstantProvisioning);
        var endpoint = Assert.Single(package.Endpoints);
        Assert.Equal("Bynder", endpoint.SecuritySystem);
        var type = Assert.Single(endpoint.EntitlementTypes);
        Assert.Equal("Group", type.Name);
        Assert.Equal(new KeyValuePair<string, string>("customproperty1", "Description"), Assert.Single(type.CustomPropertyLabels));
    }

    [Fact]
    public void Read_EndpointWithBadEntitlementTypes_RejectedNamingEndpointAndField()
    {
        var endpoints = "{\"E\": {\"endpointname\": \"E\", \"securitysystem\": \"S\", \"entitlementtypes\": [{\"order\": 1}]}}";
        var zip = Zip((ManifestName, Manifest("\"endpoints\": [\"E\"]")), ($"Endpoint_{Ts}(UTC).json", endpoints));

        var error = Assert.Single(Reject(zip).Errors);

        Assert.Equal(TransportErrorCode.UnexpectedShape, error.Code);
        Assert.Equal("endpoint 'E', entitlementtypes", error.Field);
        Assert.Contains("needs a non-empty string 'name'", error.Message);
    }

    [Fact]
    public void Read_ManifestListsKindTwiceInDifferentCase_RejectedAsUnexpectedShape()
    {
        var zip = Zip((ManifestName, Manifest("\"connection\": [\"demo\"], \"Connection\": [\"demo\"]")), (ConnectionName, Connection()));

        var error = Assert.Single(Reject(zip).Errors);
        Assert.Equal(TransportErrorCode.UnexpectedShape, error.Code);
        Assert.Equal("Objects.Connection", error.Field);
    }

    [Fact]
    public void Read_AttributeWithBarePlaceholderOutsideStrings_AcceptedAsJson()
    {
        var json = Connection("demo", Row("ImportAccountEntJSON", "{\"pageSize\": @PAGE_SIZE@, \"url\": \"https://@HOST@/x\"}"));

        var attribute = Read(ValidZip(json)).Connections[0].Attributes[0];

        Assert.Equal(AttributeValueKind.Json, attribute.Kind);
    }

    [Fact]
    public void Read_CorruptedCompressedData_RejectedAsCorruptEntry()
    {
        var zip = ZipBytes(
            (ManifestName, Encoding.UTF8.GetBytes(Manifest()), null),
            (ConnectionName, Encoding.UTF8.GetBytes(Connection() + new string(' ', 4000)), null));
        var at = zip.AsSpan().IndexOf(Encoding.ASCII.GetBytes(ConnectionName)) + ConnectionName.Length + 2;
        for (var i = at; i < at + 20; i++)
            zip[i] ^= 0x5A;

        var error = Assert.Single(Reject(zip).Errors);

        Assert.Equal(TransportErrorCode.CorruptEntry, error.Code);
        Assert.Equal(ConnectionName, error.Entry);
    }

    [Fact]
    public void Read_NonSeekableStream_ReadsAndHashesSameAsSeekable()
    {
        var bytes = RealZip("Bynder");
        using var pipe = new NonSeekableStream(new MemoryStream(bytes));

        var package = TransportPackageReader.Read(pipe, "Bynder.zip", TransportLimits.Default);

        Assert.Equal(ReadReal("Bynder").Sha256, package.Sha256);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), package.Sha256);
    }

    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1000));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void Read_PayloadWithOtherTimestamp_StillFoundByKind()
    {
        var zip = Zip((ManifestName, Manifest()), ("Connection_2024-01-02_03-04-06(UTC).json", Connection()));

        Assert.Single(Read(zip).Connections);
    }
}

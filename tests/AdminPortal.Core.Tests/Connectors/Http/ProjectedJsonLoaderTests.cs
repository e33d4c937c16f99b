using System.Text;
using AdminPortal.Core.Connectors.Http;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Http;

/// <summary>
/// ProjectedJsonLoader (ADR-022) must build, for the kept parts of a page, exactly the token tree JToken.Parse builds —
/// whatever the network's chunking — and must reject what JToken.Parse rejects for a page.
/// </summary>
public class ProjectedJsonLoaderTests
{
    private static readonly ResponseProjection Projection = new("items", new HashSet<string> { "id", "name", "groups", "profile", "n", "big", "f", "b", "nil", "esc\"aped", "ünï" })
    {
        NestedProperties = new Dictionary<string, IReadOnlySet<string>> { ["groups"] = new HashSet<string> { "value" }, ["profile"] = new HashSet<string> { "email", "tags" } },
    };

    /// <summary>What the loader must produce: the whole document parsed by Newtonsoft, then pruned by the projection.</summary>
    private static JToken Expected(string json)
    {
        var doc = JToken.Parse(json, new JsonLoadSettings { CommentHandling = CommentHandling.Ignore });
        if (doc is not JObject root || root["items"] is not JArray items) return doc;
        foreach (var record in items.OfType<JObject>())
        {
            foreach (var p in record.Properties().ToList())
            {
                if (!Projection.RecordProperties.Contains(p.Name)) p.Remove();
                else if (Projection.NestedProperties.TryGetValue(p.Name, out var keep))
                {
                    var objects = p.Value is JObject o ? new[] { o } : p.Value is JArray a ? a.OfType<JObject>().ToArray() : [];
                    foreach (var inner in objects)
                        foreach (var q in inner.Properties().ToList())
                            if (!keep.Contains(q.Name)) q.Remove();
                }
            }
        }
        return root;
    }

    private static async Task<JToken> Load(string json, int chunk)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return await ProjectedJsonLoader.LoadAsync(ReadOnlyMemory<byte>.Empty, new TrickleStream(bytes, chunk), Projection, CancellationToken.None);
    }

    private static string RandomPage(Random rnd, int records, int bigRecordEvery)
    {
        var sb = new StringBuilder();
        sb.Append("""{ "totalResults": 12345678901234, "schemas": ["urn:x"], /* envelope comment */ "items": [""");
        for (int i = 0; i < records; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append("{ \"id\": \"u").Append(i).Append("\", \"skipMe\": { \"deep\": [1, {\"a\": [true, null]}] }, ");
            sb.Append("\"name\": \"n\\u00e9\\\"q\\\\ ").Append(i).Append("\", ");
            sb.Append("\"n\": ").Append(rnd.Next(-1000, 1000)).Append(", \"big\": 123456789012345678901234567890, \"f\": ").Append((rnd.NextDouble() * 1e6).ToString("F6", System.Globalization.CultureInfo.InvariantCulture)).Append("e-3, ");
            sb.Append("\"b\": ").Append(rnd.Next(2) == 0 ? "true" : "false").Append(", \"nil\": null, \"esc\\\"aped\": 1, \"\\u00fcn\\u00ef\": \"x\", \"ünï\": \"wins\", ");
            sb.Append("\"profile\": { \"email\": \"u").Append(i).Append("@x.test\", \"phone\": \"1\", \"tags\": [\"a\", {\"k\": 1}] }, ");
            sb.Append("\"groups\": [");
            var groups = bigRecordEvery > 0 && i % bigRecordEvery == 0 ? 3000 : rnd.Next(0, 6);
            for (int g = 0; g < groups; g++)
                sb.Append(g == 0 ? "" : ",").Append("{\"value\":\"g").Append(g).Append("\",\"display\":\"Group ").Append(g).Append("\",\"$ref\":\"https://x.test/Groups/g").Append(g).Append("\"}");
            sb.Append(rnd.Next(3) == 0 ? (groups > 0 ? ", " : "") + "\"not an object\"" : "").Append("] // line comment\n }");
        }
        sb.Append("], \"itemsPerPage\": ").Append(records).Append(", \"startIndex\": 1 }  \n");
        return sb.ToString();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public async Task Kept_parts_equal_JToken_Parse_whatever_the_chunking(int chunk)
    {
        var rnd = new Random(chunk);
        var page = RandomPage(rnd, chunk == 1 ? 40 : 300, bigRecordEvery: 97); // every 97th record is ~200 KB: larger than the buffer
        var loaded = await Load(page, chunk);
        Assert.True(JToken.DeepEquals(Expected(page), loaded), "the loaded page differs from JToken.Parse + projection");
        // Newtonsoft's types, not only equal values
        var first = loaded["items"]![0]!;
        Assert.Equal(JTokenType.Integer, first["n"]!.Type);
        Assert.IsType<System.Numerics.BigInteger>(((JValue)first["big"]!).Value);
        Assert.IsType<double>(((JValue)first["f"]!).Value);
        Assert.Equal(JTokenType.Integer, loaded["totalResults"]!.Type);
        Assert.Null(first["skipMe"]);
    }

    [Theory]
    [InlineData("""[ {"id": "a", "x": 1} ]""")] // a bare list is loaded whole
    [InlineData("""{ "items": { "id": "a", "x": 1 } }""")] // a list field that is not an array is loaded whole
    [InlineData("""{ "items": [ 1, "two", [3], {"id": "4", "x": 4} ], "items2": [ {"x": 1} ] }""")]
    [InlineData("""{ "a": 1, "a": 2, "items": [ {"id": "1", "id": "2"} ] }""")] // the last of two same-named properties wins
    [InlineData("""{ "items": [], "more": {"deep": {"deeper": [1.5, -0, 1E3]}} }""")]
    [InlineData("""{ "items": [ {"id": "1", "groups": {"value": "g", "display": "G"}, "profile": "text"} ] }""")]
    public async Task Shapes_around_the_list_match_JToken_Parse(string page)
    {
        foreach (var chunk in new[] { 1, 3, 100 })
            Assert.True(JToken.DeepEquals(Expected(page), await Load(page, chunk)), $"chunk {chunk}: {page}");
    }

    [Theory]
    [InlineData("""{ "items": [ {"id": "1"} """)] // truncated
    [InlineData("""{ "items": [ {"id": "1"} ] } {"again": 1}""")] // content after the document
    [InlineData("""{ "items": [ {"id": "1",, } ] }""")] // malformed inside a record
    [InlineData("""{ "items": [ {"id": NaN} ] }""")]
    [InlineData("")]
    public async Task Malformed_or_truncated_pages_are_rejected(string page)
    {
        foreach (var chunk in new[] { 1, 5, 4096 })
            await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => Load(page, chunk));
    }

    /// <summary>A body that arrives <c>chunk</c> bytes per read, as a slow network delivers it.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
    }
}

using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Http;

/// <summary>
/// Loads a list page for an import call with a <see cref="ResponseProjection"/>: the UTF-8 bytes are tokenised by
/// System.Text.Json's <see cref="Utf8JsonReader"/> as they arrive, and only the kept parts become Newtonsoft tokens
/// (the rest of the engine reads JTokens). What is not kept is skipped without decoding a character or allocating:
/// at 1M SCIM accounts the pages are 1.3 GB, most of it group member lists and record properties no column reads.
/// The token tree built is the one <c>JToken.ReadFrom</c> builds for the kept parts (Newtonsoft's number types, the
/// last of two same-named properties, comments dropped); see ADR-022.
/// </summary>
internal sealed class ProjectedJsonLoader
{
    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private enum Phase { BeforeRoot, InRoot, RootValue, InList, Done }

    private readonly string _listField;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _recordProperties;
    private readonly Dictionary<string, HashSet<string>.AlternateLookup<ReadOnlySpan<char>>> _nested;
    private JsonReaderState _state = new(Options);
    private Phase _phase = Phase.BeforeRoot;
    private JObject? _root;
    private JArray? _list;
    private string? _property;
    private JToken? _result;

    private ProjectedJsonLoader(ResponseProjection projection)
    {
        _listField = projection.ListField;
        _recordProperties = new HashSet<string>(projection.RecordProperties, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _nested = projection.NestedProperties.ToDictionary(n => n.Key, n => new HashSet<string>(n.Value, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>(), StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads the whole document from <paramref name="body"/>, after <paramref name="prefix"/> (bytes already taken from
    /// it). Malformed or truncated JSON, and content after the document, raise <see cref="JsonException"/>; text that is
    /// not valid UTF-8 raises <see cref="InvalidOperationException"/>.
    /// </summary>
    public static async Task<JToken> LoadAsync(ReadOnlyMemory<byte> prefix, Stream body, ResponseProjection projection, CancellationToken ct)
    {
        var loader = new ProjectedJsonLoader(projection);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(64 * 1024, prefix.Length));
        try
        {
            prefix.CopyTo(buffer);
            int start = 0, end = prefix.Length;
            bool final = false, started = false;
            while (true)
            {
                if (!started && (end - start >= 3 || final))
                {
                    // a UTF-8 byte order mark, which Utf8JsonReader does not accept
                    if (end - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF) start += 3;
                    started = true;
                }
                if (started) start += loader.Advance(buffer.AsSpan(start, end - start), final);
                if (final)
                {
                    if (loader._phase == Phase.Done) return loader._result!;
                    throw new JsonException("unexpected end of the JSON document");
                }
                if (start > 0)
                {
                    // keep the unread tail (a partial token or an incomplete record) at the front
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buffer.Length)
                {
                    // one value larger than the buffer: double it (the response size is capped by the stream)
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, end);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                // fill the buffer before parsing again: a value that did not fit is scanned again only after the
                // buffer has doubled, so a huge record costs a linear number of scans, not one per network read
                while (end < buffer.Length)
                {
                    int n = await body.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
                    if (n == 0)
                    {
                        final = true;
                        break;
                    }
                    end += n;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Consumes every complete token of <paramref name="data"/> it can; returns the bytes consumed. A value that
    /// must be loaded whole (a record, an envelope property) is consumed only once all its bytes are there.</summary>
    private int Advance(ReadOnlySpan<byte> data, bool final)
    {
        var r = new Utf8JsonReader(data, final, _state);
        while (true)
        {
            var checkpoint = r;
            if (!r.Read()) break;
            if (!Accept(ref r, data))
            {
                r = checkpoint; // the value is not complete in this buffer: read it again after the next refill
                break;
            }
        }
        _state = r.CurrentState;
        return (int)r.BytesConsumed;
    }

    private bool Accept(ref Utf8JsonReader r, ReadOnlySpan<byte> data)
    {
        switch (_phase)
        {
            case Phase.BeforeRoot:
                if (r.TokenType == JsonTokenType.StartObject)
                {
                    _root = new JObject();
                    _phase = Phase.InRoot;
                    return true;
                }
                if (!TryLoadWhole(ref r, data, null, out var document)) return false;
                _result = document;
                _phase = Phase.Done;
                return true;
            case Phase.InRoot:
                if (r.TokenType == JsonTokenType.EndObject)
                {
                    _result = _root;
                    _phase = Phase.Done;
                    return true;
                }
                _property = r.GetString()!;
                _phase = Phase.RootValue;
                return true;
            case Phase.RootValue:
                if (r.TokenType == JsonTokenType.StartArray && _property == _listField)
                {
                    _list = new JArray();
                    _phase = Phase.InList;
                    return true;
                }
                if (!TryLoadWhole(ref r, data, null, out var value)) return false;
                _root![_property!] = value;
                _phase = Phase.InRoot;
                return true;
            case Phase.InList:
                if (r.TokenType == JsonTokenType.EndArray)
                {
                    _root![_property!] = _list;
                    _phase = Phase.InRoot;
                    return true;
                }
                if (!TryLoadWhole(ref r, data, this, out var record)) return false;
                _list!.Add(record);
                return true;
            default:
                throw new JsonException("unexpected content after the JSON document");
        }
    }

    /// <summary>The value starting at the reader's token, once it is complete in <paramref name="data"/> (a record of the
    /// list is pruned by <paramref name="projection"/>); false, and the reader unchanged, when it is not complete yet.</summary>
    private static bool TryLoadWhole(ref Utf8JsonReader r, ReadOnlySpan<byte> data, ProjectedJsonLoader? projection, out JToken value)
    {
        if (r.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            value = Scalar(ref r);
            return true;
        }
        var start = (int)r.TokenStartIndex;
        if (!r.TrySkip())
        {
            value = null!;
            return false;
        }
        // parse the complete value again from its own bytes, where every nested token is there
        var whole = new Utf8JsonReader(data[start..(int)r.BytesConsumed], Options);
        whole.Read();
        value = projection is not null && whole.TokenType == JsonTokenType.StartObject ? projection.Record(ref whole) : Value(ref whole);
        return true;
    }

    private JObject Record(ref Utf8JsonReader r)
    {
        var record = new JObject();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var key = Kept(ref r, _recordProperties);
            r.Read();
            if (key is null) r.Skip();
            else record[key] = _nested.TryGetValue(key, out var keep) ? Pruned(ref r, keep) : Value(ref r);
        }
        return record;
    }

    /// <summary>An object keeps only the <paramref name="keep"/> properties; an array does so for each object in it.</summary>
    private static JToken Pruned(ref Utf8JsonReader r, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> keep)
    {
        if (r.TokenType == JsonTokenType.StartObject) return PrunedObject(ref r, keep);
        if (r.TokenType != JsonTokenType.StartArray) return Value(ref r);
        var array = new JArray();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            array.Add(r.TokenType == JsonTokenType.StartObject ? PrunedObject(ref r, keep) : Value(ref r));
        return array;
    }

    private static JObject PrunedObject(ref Utf8JsonReader r, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> keep)
    {
        var o = new JObject();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var key = Kept(ref r, keep);
            r.Read();
            if (key is null) r.Skip();
            else o[key] = Value(ref r);
        }
        return o;
    }

    /// <summary>The kept name the reader's property name equals (the set's own string instance), or null — without
    /// allocating for a plain ASCII/UTF-8 name.</summary>
    private static string? Kept(ref Utf8JsonReader r, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> keep)
    {
        if (!r.ValueIsEscaped && r.ValueSpan.Length <= 256)
        {
            Span<char> chars = stackalloc char[256];
            var n = Encoding.UTF8.GetChars(r.ValueSpan, chars);
            return keep.TryGetValue(chars[..n], out var same) ? same : null;
        }
        var name = r.GetString()!;
        return keep.TryGetValue(name, out var kept) ? kept : null;
    }

    /// <summary>The value at the reader as JToken.ReadFrom loads it.</summary>
    private static JToken Value(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                var o = new JObject();
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    var name = r.GetString()!;
                    r.Read();
                    o[name] = Value(ref r);
                }
                return o;
            case JsonTokenType.StartArray:
                var a = new JArray();
                while (r.Read() && r.TokenType != JsonTokenType.EndArray) a.Add(Value(ref r));
                return a;
            default:
                return Scalar(ref r);
        }
    }

    /// <summary>A string, number, boolean or null with Newtonsoft's types: an integer literal is an Int64 (BigInteger
    /// beyond), any other number a Double; strings stay strings (no date parsing).</summary>
    private static JValue Scalar(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.String:
                return new JValue(r.GetString());
            case JsonTokenType.Number:
                var text = r.ValueSpan;
                if (text.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0)
                {
                    return r.TryGetInt64(out var l) ? new JValue(l) : new JValue(BigInteger.Parse(Encoding.UTF8.GetString(text), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
                }
                return new JValue(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
            case JsonTokenType.True:
                return new JValue(true);
            case JsonTokenType.False:
                return new JValue(false);
            case JsonTokenType.Null:
                return JValue.CreateNull();
            default:
                throw new JsonException($"unexpected {r.TokenType} at byte {r.TokenStartIndex}");
        }
    }
}

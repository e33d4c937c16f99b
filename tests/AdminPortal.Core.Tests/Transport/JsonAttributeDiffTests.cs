using AdminPortal.Core.Transport;

namespace AdminPortal.Core.Tests.Transport;

public class JsonAttributeDiffTests
{
    [Fact]
    public void Compare_SameJsonDifferentFormattingAndKeyOrder_Unchanged()
    {
        var result = JsonAttributeDiff.Compare("{\r\n  \"a\": 1,\r\n  \"b\": [1, 2]\r\n}", "{\"b\":[1,2],\"a\":1.0}");

        Assert.True(result.AreEqual);
        Assert.True(result.ComparedAsJson);
    }

    [Fact]
    public void Compare_DifferentValue_ChangedWithPath()
    {
        var result = JsonAttributeDiff.Compare("{\"call\": {\"call1\": {\"url\": \"/a\"}}}", "{\"call\": {\"call1\": {\"url\": \"/b\"}}}");

        Assert.Equal(AttributeChange.Changed, result.Change);
        Assert.Equal("$.call.call1.url", result.FirstDifferencePath);
    }

    [Fact]
    public void Compare_ArrayOrderDiffers_Changed()
    {
        Assert.Equal("$.x[0]", JsonAttributeDiff.Compare("{\"x\": [1, 2]}", "{\"x\": [2, 1]}").FirstDifferencePath);
    }

    [Fact]
    public void Compare_KeyAdded_ChangedAtNewKey()
    {
        Assert.Equal("$.b", JsonAttributeDiff.Compare("{\"a\": 1}", "{\"a\": 1, \"b\": 2}").FirstDifferencePath);
    }

    [Theory]
    [InlineData(null, "", AttributeChange.Unchanged)]
    [InlineData("  ", null, AttributeChange.Unchanged)]
    [InlineData(null, "{}", AttributeChange.Added)]
    [InlineData("{}", "", AttributeChange.Removed)]
    [InlineData("QUJD", "QUJD\r\n", AttributeChange.Unchanged)]
    [InlineData("QUJD", "QUJE", AttributeChange.Changed)]
    [InlineData("{\"a\":", "{\"a\": 1}", AttributeChange.Changed)]
    public void Compare_EmptyOrNonJson_ClassifiedByText(string? oldText, string? newText, AttributeChange expected)
    {
        Assert.Equal(expected, JsonAttributeDiff.Compare(oldText, newText).Change);
    }

    [Fact]
    public void Compare_StringsThatLookLikeDates_ComparedAsStrings()
    {
        Assert.False(JsonAttributeDiff.AreEquivalent("{\"d\": \"2024-01-01T00:00:00Z\"}", "{\"d\": \"2024-01-01T00:00:00+00:00\"}"));
    }

    [Fact]
    public void Compare_RealAttributeReformatted_Unchanged()
    {
        var text = TransportTestData.ReadReal("INCONTACT").Connections[0].GetAttribute("ImportAccountEntJSON")!.Value!;
        var reformatted = Newtonsoft.Json.Linq.JToken.Parse(text).ToString(Newtonsoft.Json.Formatting.None);

        Assert.True(JsonAttributeDiff.AreEquivalent(text, reformatted));
    }
}

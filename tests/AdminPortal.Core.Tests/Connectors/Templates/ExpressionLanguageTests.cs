using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Templates;

public class ExpressionLanguageTests
{
    private static Bindings B() => new Bindings()
        .Set("s", " Hello World ")
        .Set("n", 5L)
        .Set("list", new List<object?> { "a", "b", "c" })
        .Set("map", new Dictionary<string, object?> { ["k"] = "v", ["num"] = 3 })
        .Set("nul", null)
        .Set("json", JObject.Parse("""{"items":[{"id":1,"name":"x","tags":["t1","t2"]},{"id":2,"name":"y","tags":[]}],"odata.count":2,"meta":{"total":7},"flag":true}"""))
        .Set("headers", new Dictionary<string, object?> { ["Link"] = "<https://h/u?page=2>; rel=\"next\", <https://h/u?page=9>; rel=\"last\"", ["X-Total"] = "40" });

    private static object? E(string expr) => TemplateRenderer.Evaluate(expr, B());

    [Theory]
    [InlineData("'abc'", "abc")]
    [InlineData("\"a\\\"b\"", "a\"b")]
    [InlineData("s.trim()", "Hello World")]
    [InlineData("s.trim().toLowerCase()", "hello world")]
    [InlineData("s.toUpperCase().trim()", "HELLO WORLD")]
    [InlineData("s.trim().substring(0, 5)", "Hello")]
    [InlineData("s.trim().substring(6)", "World")]
    [InlineData("s.trim().replace('World', 'There')", "Hello There")]
    [InlineData("'a1b22c'.replaceAll('[0-9]+', '#')", "a#b#c")]
    [InlineData("'x-y'.replaceAll('(x)-(y)', '$2-$1')", "y-x")]
    [InlineData("list.join(',')", "a,b,c")]
    [InlineData("'a,b,,'.split(',').size().toString()", "2")]
    [InlineData("'a.b.c'.split('\\\\.')[1]", "b")]
    [InlineData("list[0] + list[-1]", "ac")]
    [InlineData("map['k']", "v")]
    [InlineData("map.k", "v")]
    [InlineData("json.items[1].name", "y")]
    [InlineData("json.items.name.join('|')", "x|y")]
    [InlineData("json['odata.count'].toString()", "2")]
    [InlineData("nul?.foo ?: 'dflt'", "dflt")]
    [InlineData("nul == null ? 'yes' : 'no'", "yes")]
    [InlineData("n > 3 && n <= 5 ? 'in' : 'out'", "in")]
    [InlineData("!(n == 5) || false ? 'a' : 'b'", "b")]
    [InlineData("'n=' + n", "n=5")]
    [InlineData("\"n=${n + 1} and $s.length\"", "n=6 and 13")]
    [InlineData("String.valueOf(n) + Integer.parseInt('7')", "57")]
    [InlineData("Math.addExact(Integer.parseInt('40'), 2).toString()", "42")]
    [InlineData("headers.Link.split(',').find { it.contains('rel=\"next\"') }.split(';')[0].trim().replaceAll('[<>]', '')", "https://h/u?page=2")]
    [InlineData("def x = 1; x += 2; return 'v' + x", "v3")]
    [InlineData("int total = 0\nfor (int i = 0; i < 4; i++) { total = total + i }\nreturn total.toString()", "6")]
    [InlineData("def out = []; for (it in json.items) { if (it.tags.size() > 0) { out.add(it.name) } }; out.join()", "x")]
    [InlineData("def r = ''; list.eachWithIndex { v, i -> r = r + i + v }; r", "0a1b2c")]
    [InlineData("json.items.collect { it.id * 10 }.join(',')", "10,20")]
    [InlineData("json.items.findAll { it.id > 1 }.collect { it.name }.join()", "y")]
    [InlineData("map.containsKey('k') && !map.containsKey('zz') ? map.keySet().join('+') : ''", "k+num")]
    [InlineData("[a: 1, 'b': 'two'].b", "two")]
    [InlineData("[1, 2, 3].sum().toString()", "6")]
    [InlineData("'abc'.equalsIgnoreCase('ABC') && 'abc'.startsWith('a') && 'abc'.endsWith('c') && 'abc'.contains('b') ? 'ok' : 'no'", "ok")]
    [InlineData("'abc'.indexOf('c').toString() + 'abc'.length()", "23")]
    [InlineData("if (n == 4) { 'four' } else if (n == 5) { 'five' } else { 'other' }", "five")]
    [InlineData("new groovy.json.JsonBuilder([a: 1, b: [true, null]]).toString()", "{\"a\":1,\"b\":[true,null]}")]
    [InlineData("JsonOutput.toJson(list)", "[\"a\",\"b\",\"c\"]")]
    [InlineData("def m = new HashMap(); m.put('x', 1); m['y'] = 2; m.size().toString()", "2")]
    [InlineData("(7 / 2).toString() + ',' + 7.intdiv(2) + ',' + (7 % 3)", "3.5,3,1")]
    [InlineData("'5'.toInteger() + 1 == 6 ? 'six' : 'no'", "six")]
    [InlineData("json.meta.total - 2 == 5 ? 'ok' : 'bad'", "ok")]
    [InlineData("json.flag ? 'T' : 'F'", "T")]
    [InlineData("list.inspect()", "['a', 'b', 'c']")]
    [InlineData("list.toString()", "[a, b, c]")]
    [InlineData("[:].toString()", "[:]")]
    [InlineData("def i = 0; while (true) { i++; if (i > 3) break }; i.toString()", "4")]
    [InlineData("response?.completeResponseMap == null ? 'none' : 'x'", "none")]
    public void Evaluates(string expr, string expected)
    {
        var b = B().Set("response", null);
        Assert.Equal(expected, Values.ToStr(TemplateRenderer.Evaluate(expr, b)));
    }

    [Fact]
    public void Scim_start_index_next_url_pattern()
    {
        var b = new Bindings()
            .Set("response", new Dictionary<string, object?>
            {
                ["completeResponseMap"] = JObject.Parse("""{"startIndex":1,"itemsPerPage":2,"totalResults":5}"""),
                ["objectList"] = new List<object?> { 1, 2 },
            });
        const string expr = "response.objectList.size()==0 ? null : 'https://h/Users?count=2&startIndex=' + Math.addExact(response.completeResponseMap.startIndex, response.completeResponseMap.itemsPerPage)";
        Assert.Equal("https://h/Users?count=2&startIndex=3", TemplateRenderer.Evaluate(expr, b));
    }

    [Fact]
    public void Render_keeps_literal_text_and_handles_braces_in_strings()
    {
        var text = TemplateRenderer.Render("a ${'}' + '{'} b ${n} c", B());
        Assert.Equal("a }{ b 5 c", text);
    }

    [Fact]
    public void Render_null_as_empty()
    {
        Assert.Equal("[]", TemplateRenderer.Render("[${nul}]", B()));
    }

    [Fact]
    public void Json_escaping_mode_keeps_bodies_valid()
    {
        var b = new Bindings().Set("user", new Dictionary<string, object?> { ["name"] = "Ann \"The\" O'Neil\\\n" });
        const string body = "{\"name\":\"${user.name}\"}";
        var raw = TemplateRenderer.Render(body, b);
        Assert.ThrowsAny<Newtonsoft.Json.JsonException>(() => JToken.Parse(raw));
        var escaped = TemplateRenderer.Render(body, b, TemplateRenderOptions.Json);
        Assert.Equal("Ann \"The\" O'Neil\\\n", (string?)JToken.Parse(escaped)["name"]);
    }

    [Fact]
    public void Url_escaping_mode()
    {
        var b = new Bindings().Set("v", "a b/c");
        Assert.Equal("x/a%20b%2Fc", TemplateRenderer.Render("x/${v}", b, new TemplateRenderOptions { Escaping = TemplateEscaping.Url }));
    }

    [Fact]
    public void EvaluateValue_returns_raw_value_for_single_expression()
    {
        Assert.Null(TemplateRenderer.EvaluateValue("${nul}", B()));
        Assert.Equal(5L, TemplateRenderer.EvaluateValue("${n}", B()));
        Assert.Equal("x5", TemplateRenderer.EvaluateValue("x${n}", B()));
        Assert.Equal("plain", TemplateRenderer.EvaluateValue("plain", B()));
    }

    [Fact]
    public void Closure_return_and_last_value()
    {
        Assert.Equal("directRole", TemplateRenderer.Evaluate("return response.directRoles[0];",
            new Bindings().Set("response", JObject.Parse("""{"directRoles":["directRole"]}"""))));
    }
}

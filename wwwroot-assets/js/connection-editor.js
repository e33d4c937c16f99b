// Admin → Connections: loads Monaco on demand (only this page needs it), registers the JSON Schemas of the
// connection attributes, highlights ${...} templates, @X@ placeholders and masked secrets, and shows
// read-only diffs. Imported as an ES module by ConnectionPage.razor.

const scripts = [
    "_content/BlazorMonaco/jsInterop.js",
    "_content/BlazorMonaco/lib/monaco-editor/min/vs/loader.js",
    "_content/BlazorMonaco/lib/monaco-editor/min/vs/editor/editor.main.js",
];

// Attribute → schema file; models are named <attribute>.<kind>.json so fileMatch can pick the schema.
const schemaKinds = {
    "connection-json": ["ConnectionJSON"],
    "import-account-ent-json": ["ImportAccountEntJSON"],
    "status-threshold-config": ["STATUS_THRESHOLD_CONFIG"],
    "provisioning-json": ["CreateAccountJSON", "UpdateAccountJSON", "EnableAccountJSON", "DisableAccountJSON", "RemoveAccountJSON",
        "AddAccessJSON", "RemoveAccessJSON", "ChangePassJSON", "AddFFIDAccessJSON", "RemoveFFIDAccessJSON"],
};

let loading = null;
const decorations = new Map();
const diffEditors = new Map();

function loadScript(src) {
    return new Promise((resolve, reject) => {
        if (document.querySelector(`script[data-src="${src}"]`)) { resolve(); return; }
        const s = document.createElement("script");
        s.src = src;
        s.dataset.src = src;
        s.onload = () => resolve();
        s.onerror = () => reject(new Error(`could not load ${src}`));
        document.head.appendChild(s);
    });
}

export function kindOf(attribute) {
    for (const [kind, names] of Object.entries(schemaKinds)) {
        if (names.some(n => n.toLowerCase() === (attribute || "").toLowerCase())) return kind;
    }
    return "plain";
}

/** Loads Monaco once and registers the schemas; resolves when `monaco` can be used. */
export async function load() {
    if (!loading) {
        loading = (async () => {
            if (typeof window.monaco === "undefined") {
                for (const src of scripts) await loadScript(src);
            }
            const schemas = [];
            for (const kind of Object.keys(schemaKinds)) {
                const url = new URL(`schemas/${kind}.schema.json`, document.baseURI).toString();
                const response = await fetch(url);
                if (!response.ok) throw new Error(`schema ${kind}: HTTP ${response.status}`);
                schemas.push({ uri: url, fileMatch: [`*.${kind}.json`], schema: await response.json() });
            }
            monaco.languages.json.jsonDefaults.setDiagnosticsOptions({
                validate: true,
                allowComments: false,
                enableSchemaRequest: false,
                schemaValidation: "warning",
                schemas,
            });
        })();
    }
    await loading;
    return true;
}

function editorOf(id) {
    return window.blazorMonaco.editor.getEditor(id);
}

/** Shows `text` for `attribute` in the editor `id`, in a model whose name selects the attribute's schema. */
export function setDocument(id, attribute, text, readOnly) {
    const editor = editorOf(id);
    const uri = monaco.Uri.parse(`inmemory://connection/${encodeURIComponent(attribute)}.${kindOf(attribute)}.json`);
    let model = monaco.editor.getModel(uri);
    if (!model) {
        model = monaco.editor.createModel(text ?? "", "json", uri);
        model.onDidChangeContent(() => {
            // A refusal's markers describe the text that was refused: the next edit may have fixed it.
            monaco.editor.setModelMarkers(model, SAVE_OWNER, []);
            decorate(editor, model);
        });
    } else if (model.getValue() !== (text ?? "")) {
        model.setValue(text ?? "");
    }
    const previous = editor.getModel();
    editor.setModel(model);
    if (previous && previous !== model && !previous.uri.toString().startsWith("inmemory://connection/")) previous.dispose();
    editor.updateOptions({ readOnly: !!readOnly });
    decorate(editor, model);
}

/** Marks ${...} templates, @X@ / @@X@@ placeholders and masked secrets. */
function decorate(editor, model) {
    if (editor.getModel() !== model) return;
    const text = model.getValue();
    const found = [];
    for (let i = text.indexOf("${"); i >= 0; i = text.indexOf("${", i + 2)) {
        let depth = 0, j = i + 1;
        for (; j < text.length; j++) {
            const c = text[j];
            if (c === "{") depth++;
            else if (c === "}" && --depth === 0) break;
            else if (c === "\n") { j--; break; }
        }
        found.push({ start: i, end: Math.min(j + 1, text.length), cls: "tpl-expr", hover: "Template expression, evaluated for each call (try it in the expression playground)" });
    }
    for (const m of text.matchAll(/(?<![A-Za-z0-9@])@@?[A-Z][A-Z0-9_]*@@?/g)) {
        found.push({ start: m.index, end: m.index + m[0].length, cls: "tpl-placeholder", hover: "Placeholder: fill it in under Placeholders" });
    }
    for (const m of text.matchAll(/••••••••/g)) {
        found.push({ start: m.index, end: m.index + m[0].length, cls: "secret-mask", hover: "Masked secret: saved unchanged unless you replace it; Reveal shows it" });
    }
    const next = found.map(f => {
        const a = model.getPositionAt(f.start), b = model.getPositionAt(f.end);
        return { range: new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column), options: { inlineClassName: f.cls, hoverMessage: { value: f.hover } } };
    });
    decorations.set(editor, editor.deltaDecorations(decorations.get(editor) || [], next));
}

export async function format(id) {
    const action = editorOf(id).getAction("editor.action.formatDocument");
    if (action) await action.run();
}

export function reveal(id, line, column) {
    const editor = editorOf(id);
    editor.revealLineInCenter(line);
    editor.setPosition({ lineNumber: line, column: Math.max(column, 1) });
    editor.focus();
}

const SAVE_OWNER = "adminportal-save";

/**
 * Underlines the lines the server named when it refused a save (a `${...}` that does not parse, an embedded JSON
 * body that does not), with the server's message on hover, as Monaco does for its own syntax errors.
 */
export function markSaveProblems(id, problems) {
    const model = editorOf(id).getModel();
    monaco.editor.setModelMarkers(model, SAVE_OWNER, problems
        .filter(p => p.line >= 1 && p.line <= model.getLineCount())
        .map(p => ({
            severity: monaco.MarkerSeverity.Error, message: p.message,
            startLineNumber: p.line, startColumn: model.getLineFirstNonWhitespaceColumn(p.line) || 1,
            endLineNumber: p.line, endColumn: model.getLineMaxColumn(p.line),
        })));
}

/** Errors and warnings Monaco currently shows for the editor's document. */
export function markers(id) {
    const model = editorOf(id).getModel();
    return monaco.editor.getModelMarkers({ resource: model.uri })
        .map(m => ({ severity: m.severity >= 8 ? "error" : "warning", line: m.startLineNumber, column: m.startColumn, message: m.message }));
}

/** A read-only side-by-side diff in the element `containerId`. */
export function showDiff(containerId, original, modified) {
    const container = document.getElementById(containerId);
    if (!container) return;
    let entry = diffEditors.get(containerId);
    if (entry && entry.container !== container) { disposeDiff(containerId); entry = null; }
    if (!entry) {
        const editor = monaco.editor.createDiffEditor(container, { readOnly: true, automaticLayout: true, renderSideBySide: true, minimap: { enabled: false }, scrollBeyondLastLine: false });
        entry = { editor, container, models: [] };
        diffEditors.set(containerId, entry);
    }
    entry.models.forEach(m => m.dispose());
    entry.models = [monaco.editor.createModel(original ?? "", "json"), monaco.editor.createModel(modified ?? "", "json")];
    entry.editor.setModel({ original: entry.models[0], modified: entry.models[1] });
}

export function disposeDiff(containerId) {
    const entry = diffEditors.get(containerId);
    if (!entry) return;
    entry.editor.dispose();
    entry.models.forEach(m => m.dispose());
    diffEditors.delete(containerId);
}

/** Frees the models of the page (called when the page is left). */
export function disposeAll() {
    for (const id of [...diffEditors.keys()]) disposeDiff(id);
    if (typeof window.monaco === "undefined") return;
    monaco.editor.getModels().filter(m => m.uri.toString().startsWith("inmemory://connection/")).forEach(m => m.dispose());
}

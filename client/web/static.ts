// The pages' style sheets, served as files (/static/…) so the Content
// Security Policy needs no inline style on the desk. Mobile first: on a phone
// the task table becomes one card per task.
export const DESK_CSS = `
*{box-sizing:border-box}
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#222;background:#f6f7f9;font-size:15px}
a{color:#0b57d0}
header{background:#a8161b;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center}
header a{color:#fff;text-decoration:none}header h1{font-size:19px;margin:0 12px 0 0}
header nav{display:flex;flex-wrap:wrap;gap:4px 14px}header nav a.on{text-decoration:underline}
header .who{margin-left:auto;display:flex;gap:8px;align-items:center;font-size:14px}
header .who button{background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:2px 8px;font:inherit;cursor:pointer}
main{padding:12px 16px;max-width:1400px}
h2{font-size:18px;margin:18px 0 8px}h3{font-size:16px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 18px}
th,td{border:1px solid #ddd;padding:5px 7px;text-align:left;vertical-align:top;font-size:14px}
th{background:#f0f0f0;white-space:nowrap}
.nw{white-space:nowrap}.num{text-align:right}
.ok{color:#137333}.bad{color:#b3261e}.warn{color:#b06000}
.light{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;white-space:nowrap}
.light.g{background:#188038}.light.y{background:#e37400}.light.r{background:#c5221f}
.muted{color:#666;font-size:13px}
.box{background:#fff;border:1px solid #ddd;padding:10px 14px;margin:10px 0;border-radius:4px}
.box.bad{border-color:#e8a29e;background:#fdf1f0}.box.ok{border-color:#9fd1ae;background:#eff8f1}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.counts a{display:inline-block;background:#fff;border:1px solid #ddd;border-radius:4px;padding:6px 12px;text-decoration:none;color:#222}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end;background:#fff;border:1px solid #ddd;padding:8px 10px;border-radius:4px}
form.filters label{display:flex;flex-direction:column;font-size:13px;color:#444}
input,select,textarea,button{font:inherit;padding:5px 7px;max-width:100%}
textarea{width:100%;min-height:60px}
button{background:#a8161b;color:#fff;border:0;border-radius:4px;padding:6px 14px;cursor:pointer}
button.plain{background:#fff;color:#a8161b;border:1px solid #a8161b}
.actions{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.actions form{background:#fff;border:1px solid #ddd;border-radius:4px;padding:8px 10px;margin:0}
.actions form h3{margin:0 0 6px}
.actions label{display:block;font-size:13px;color:#444;margin:4px 0}
.actions input[type=text],.actions input[type=date],.actions select{width:100%}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;background:#fff;border:1px solid #ddd;padding:10px 14px;margin:8px 0}
dl.facts dt{color:#555}dl.facts dd{margin:0}
pre.raw{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:8px;max-height:480px;overflow:auto;font-size:13px}
progress{width:100%;height:22px}
.chart{background:#fff;border:1px solid #ddd;margin:8px 0;max-width:100%;height:auto}
.doc{background:#fff;border:1px solid #ddd;padding:8px 20px;max-width:900px;line-height:1.7}
.doc table{width:auto}
.signin{max-width:380px;margin:40px auto;background:#fff;border:1px solid #ddd;padding:16px 20px;border-radius:6px}
.signin label{display:block;margin:10px 0 4px}.signin input{width:100%}.signin button{margin-top:14px;width:100%}
.pager{margin:6px 0}
@media (max-width:760px){
  main{padding:8px}
  /* long addresses and ids break anywhere rather than widen the page */
  #health td:last-child,#sets td:first-child,td code{overflow-wrap:anywhere}
  table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
  table.cards tr:first-child{display:none}
  table.cards tr{background:#fff;border:1px solid #ddd;margin:0 0 8px;border-radius:4px}
  table.cards td{border:0;border-bottom:1px solid #eee}
  table.cards td[data-label]::before{content:attr(data-label) "：";color:#666}
  header .who{margin-left:0}
}
@media print{header,form,.no-print{display:none}}
`;

export const PUBLIC_CSS = `
*{box-sizing:border-box}
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#a8161b;color:#fff;padding:10px 24px}
main{max-width:860px;margin:0 auto;padding:16px 24px}
.doc{background:#fff;border:1px solid #ddd;padding:8px 20px;line-height:1.7}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
.muted{color:#666;font-size:13px}
`;

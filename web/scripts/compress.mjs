// Writes a Brotli (.br) and a gzip (.gz) copy beside every text file of dist/, which the server
// sends as they are to browsers that accept them; prints the sizes.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const TEXT = /\.(js|css|html|svg|json|txt|map)$/
function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) yield* files(p)
    else yield p
  }
}
// Nothing may be fetched from another origin at run time (offline intranets; the server's
// Content-Security-Policy blocks it anyway): a stylesheet naming one fails the build.
const remote = /url\(\s*["']?(?:https?:)?\/\//
for (const p of files('dist')) {
  if (p.endsWith('.css') && remote.test(readFileSync(p, 'utf8'))) {
    console.error(`${p} loads a file from another origin (url(//…)): serve it from this build instead`)
    process.exit(1)
  }
}

let raw = 0
let br = 0
for (const p of files('dist')) {
  if (!TEXT.test(p)) continue
  const data = readFileSync(p)
  const b = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })
  writeFileSync(`${p}.br`, b)
  writeFileSync(`${p}.gz`, gzipSync(data, { level: 9 }))
  raw += data.length
  br += b.length
}
console.log(`compressed dist/: ${(raw / 1024).toFixed(0)} kB of text, ${(br / 1024).toFixed(0)} kB as Brotli`)

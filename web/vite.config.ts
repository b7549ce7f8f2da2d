import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

// Vant's icon font is inlined as woff2 with a fallback fetched from a CDN: government intranets
// are offline and the server's policy allows no other origin, so the fallback goes.
const noCdnFonts: Plugin = {
  name: 'jiceng-no-cdn-fonts',
  enforce: 'pre',
  transform(code, id) {
    if (!id.includes('/vant/') || !id.endsWith('.css')) return undefined
    return code.replace(/,\s*url\((?:https?:)?\/\/[^)]*\)\s*format\(["']woff["']\)/g, '')
  },
}

// The UI is served by the jiceng binary from the same origin as the API. In development,
// `npm run dev` proxies /api to a running server (JICENG_URL, default http://127.0.0.1:8080).
export default defineConfig({
  plugins: [vue(), noCdnFonts],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // The staff console's and the phone pages' libraries in chunks of their own, so the
        // citizen portal never loads Element Plus or ECharts. Vue itself gets its own chunk first
        // (highest priority): left to the bundler it lands inside the Element Plus chunk, and
        // the portal would load that too.
        codeSplitting: {
          groups: [
            { name: 'vue', test: /[\\/]node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 50 },
            { name: 'element-plus', test: /[\\/]node_modules[\\/](element-plus|@element-plus)[\\/]/, priority: 40 },
            { name: 'echarts', test: /[\\/]node_modules[\\/](echarts|zrender)[\\/]/, priority: 40 },
            { name: 'leaflet', test: /[\\/]node_modules[\\/]leaflet[\\/]/, priority: 40 },
            { name: 'vant', test: /[\\/]node_modules[\\/](vant|@vant)[\\/]/, priority: 40 },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': process.env.JICENG_URL ?? 'http://127.0.0.1:8080' },
  },
})

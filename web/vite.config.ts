import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

// The UI is served by the jiceng binary from the same origin as the API. In development,
// `npm run dev` proxies /api to a running server (JICENG_URL, default http://127.0.0.1:8080).
export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // The staff console's and the phone pages' libraries in chunks of their own, so the
        // citizen portal never loads Element Plus or ECharts.
        manualChunks(id: string) {
          if (!id.includes('node_modules')) return undefined
          if (id.includes('element-plus') || id.includes('@element-plus')) return 'element-plus'
          if (id.includes('echarts') || id.includes('zrender')) return 'echarts'
          if (id.includes('leaflet')) return 'leaflet'
          if (id.includes('/vant/') || id.includes('@vant')) return 'vant'
          return undefined
        },
      },
    },
  },
  server: {
    proxy: { '/api': process.env.JICENG_URL ?? 'http://127.0.0.1:8080' },
  },
})

/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the REST API, such as http://localhost:8000/api. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

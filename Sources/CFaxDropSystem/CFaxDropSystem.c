// Header-only target; see include/CFaxDropSystem.h.

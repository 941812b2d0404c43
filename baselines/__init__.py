"""Reference methods: bicubic, frame averaging and Real-ESRGAN (RESRGan-B, RESRGan-S)."""

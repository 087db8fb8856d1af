document.getElementById('app')!.textContent = 'prog dashboard';

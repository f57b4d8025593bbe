<?cs # The users of a domain: search, sort, pages. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.users.title ?>
<?cs set:Page.Nav = "users" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="users-page">
<?cs call:domain_bar() ?>
<?cs call:notice() ?>
  <h1><?cs var:Lang.domainadmin.users.title ?> <span class="count" id="total"><?cs var:List.Total ?></span></h1>
  <p class="toolbar"><a href="<?cs var:Page.Base ?>/users/new?d=<?cs var:Domain.Enc ?>" id="add-user"><?cs var:Lang.domainadmin.users.add ?></a>
    · <a href="<?cs var:Page.Base ?>/users/import?d=<?cs var:Domain.Enc ?>" id="import-users"><?cs var:Lang.domainadmin.users.import ?></a>
    · <a href="<?cs var:Page.Base ?>/users.csv?d=<?cs var:Domain.Enc ?>&amp;q=<?cs var:List.QEnc ?>&amp;status=<?cs var:List.Status ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>" id="export-users" download><?cs var:Lang.domainadmin.users.export ?></a></p>
  <form class="search" method="get" action="<?cs var:Page.Base ?>/users" role="search" id="user-search">
    <input type="hidden" name="d" value="<?cs var:Domain.Name ?>">
    <input type="search" name="q" value="<?cs var:List.Q ?>" maxlength="200" placeholder="<?cs var:Lang.domainadmin.users.search ?>" aria-label="<?cs var:Lang.domainadmin.users.search ?>">
    <select name="status" aria-label="<?cs var:Lang.domainadmin.users.status ?>">
      <option value=""><?cs var:Lang.domainadmin.users.all ?></option>
<?cs each:s = Lang.domainadmin.status ?>
      <option value="<?cs name:s ?>"<?cs if:List.Status == name(s) ?> selected<?cs /if ?>><?cs var:s ?></option>
<?cs /each ?>
    </select>
    <button type="submit"><?cs var:Lang.domainadmin.users.search_button ?></button>
  </form>
<?cs def:sortlink(key) ?><a href="<?cs var:Page.Base ?>/users?d=<?cs var:Domain.Enc ?>&amp;q=<?cs var:List.QEnc ?>&amp;status=<?cs var:List.Status ?>&amp;n=<?cs var:List.Size ?>&amp;sort=<?cs var:key ?>&amp;order=<?cs if:List.Sort == key && List.Order == "asc" ?>desc<?cs else ?>asc<?cs /if ?>"<?cs if:List.Sort == key ?> class="sorted <?cs var:List.Order ?>"<?cs /if ?>><?cs var:Lang.domainadmin.users[key] ?></a><?cs /def ?>
  <table class="messages" id="user-table">
    <thead><tr>
      <th class="subject"><?cs call:sortlink("address") ?></th>
      <th class="from"><?cs call:sortlink("name") ?></th>
      <th class="size"><?cs call:sortlink("quota") ?></th>
      <th class="size"><?cs call:sortlink("used") ?></th>
      <th class="size"><?cs call:sortlink("status") ?></th>
      <th class="date"><?cs call:sortlink("created") ?></th>
    </tr></thead>
    <tbody>
<?cs each:u = Users ?>
      <tr data-id="<?cs var:u.Id ?>" data-status="<?cs var:u.Status ?>">
        <td class="subject" title="<?cs var:u.Address ?>"><a href="<?cs var:Page.Base ?>/users/edit?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:u.Id ?>"><?cs var:u.Address ?></a><?cs if:u.Status != "active" ?> (<?cs var:Lang.domainadmin.status[u.Status] ?>)<?cs /if ?></td>
        <td class="from" title="<?cs var:u.Name ?>"><?cs var:u.Name ?></td>
        <td class="size"><?cs if:u.Quota ?><?cs var:u.Quota ?><?cs else ?><?cs var:Lang.domainadmin.unlimited ?><?cs /if ?></td>
        <td class="size"><?cs var:u.Used ?></td>
        <td class="size" title="<?cs if:u.PurgeAfter ?><?cs var:Lang.domainadmin.user.purge_after ?> <?cs var:u.PurgeAfter ?><?cs /if ?>"><?cs var:Lang.domainadmin.status[u.Status] ?></td>
        <td class="date"><?cs var:u.Created ?></td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:List.Total == 0 ?>
  <p class="empty" id="empty"><?cs var:Lang.domainadmin.users.none ?></p>
<?cs /if ?>
<?cs def:pagelink(p, label) ?><a href="<?cs var:Page.Base ?>/users?d=<?cs var:Domain.Enc ?>&amp;q=<?cs var:List.QEnc ?>&amp;status=<?cs var:List.Status ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>&amp;n=<?cs var:List.Size ?>&amp;page=<?cs var:p ?>"<?cs if:p == List.Page ?> aria-current="page"<?cs /if ?>><?cs var:label ?></a><?cs /def ?>
<?cs if:List.Pages > 1 ?>
  <nav class="pager" id="pager" aria-label="<?cs var:Lang.mail.pages ?>">
    <?cs call:pagelink(1, Lang.mail.first) ?>
<?cs if:List.Prev ?>    <?cs call:pagelink(List.Prev, Lang.mail.prev) ?><?cs /if ?>
<?cs each:p = List.Near ?>    <?cs call:pagelink(p, p) ?><?cs /each ?>
<?cs if:List.Next ?>    <?cs call:pagelink(List.Next, Lang.mail.next) ?><?cs /if ?>
    <?cs call:pagelink(List.Pages, Lang.mail.last) ?>
  </nav>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
